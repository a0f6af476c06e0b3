using System.Numerics;
using ILGPU;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Ops;

/// <summary>y = a + b (same shapes); da = dy, db = dy.</summary>
public sealed class AddOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>a + b; IlgpuAeException naming both nodes when the shapes differ.</summary>
    public AddOp(Node<T> a, Node<T> b) : base("add", a, b) => Shapes.Same(a, b, "add");

    /// <summary>Nothing: da = db = dy.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [];

    /// <summary>y = a + b</summary>
    public override void Forward(Exec<T> x)
    {
        var loop = x.Device.LoopFor(Output.Length);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>>(ElementwiseKernels.Add)(
            loop.Threads, loop, x.Value(Inputs[0]), x.Value(Inputs[1]), x.Value(Output));
    }

    /// <summary>da = beta·da + dy, db = beta·db + dy</summary>
    public override void Backward(Exec<T> x)
    {
        for (int i = 0; i < 2; i++)
            if (x.NeedsGrad(Inputs[i])) Axpby(x, x.Grad(Output), x.Grad(Inputs[i]), T.One, x.Beta(this, i));
    }
}

/// <summary>y = a ⊙ b (same shapes); da = dy ⊙ b, db = dy ⊙ a.</summary>
public sealed class MulOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>a ⊙ b; IlgpuAeException naming both nodes when the shapes differ.</summary>
    public MulOp(Node<T> a, Node<T> b) : base("mul", a, b) => Shapes.Same(a, b, "mul");

    /// <summary>Both inputs, each the other's gradient factor.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => Inputs;

    /// <summary>One output-sized buffer for dy ⊙ b (or dy ⊙ a) before it is added in.</summary>
    public override long BackwardScratch(Device device) => Output.Length;

    /// <summary>y = a ⊙ b</summary>
    public override void Forward(Exec<T> x) => Mul(x, x.Value(Inputs[0]), x.Value(Inputs[1]), x.Value(Output));

    /// <summary>da = beta·da + dy ⊙ b, db = beta·db + dy ⊙ a (correct for Mul(x, x) too).</summary>
    public override void Backward(Exec<T> x)
    {
        for (int i = 0; i < 2; i++)
        {
            if (!x.NeedsGrad(Inputs[i])) continue;
            // Written through scratch so that accumulation (beta = 1) and Mul(x, x) stay correct.
            var product = x.Scratch(this);
            Mul(x, x.Grad(Output), x.Value(Inputs[1 - i]), product);
            Axpby(x, product, x.Grad(Inputs[i]), T.One, x.Beta(this, i));
        }
    }

    static void Mul(Exec<T> x, ArrayView<T> a, ArrayView<T> b, ArrayView<T> y)
    {
        var loop = x.Device.LoopFor(y.Length);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>>(ElementwiseKernels.Mul)(loop.Threads, loop, a, b, y);
    }
}

/// <summary>y = s·x for a constant s; dx = s·dy.</summary>
/// <param name="input">x.</param>
/// <param name="scale">The constant s.</param>
public sealed class ScaleOp<T>(Node<T> input, T scale) : KernelOp<T>("scale", input)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Nothing: dx = s·dy.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [];

    /// <summary>y = s·x</summary>
    public override void Forward(Exec<T> x) => Axpby(x, x.Value(Inputs[0]), x.Value(Output), scale, T.Zero);

    /// <summary>dx = beta·dx + s·dy</summary>
    public override void Backward(Exec<T> x)
    {
        if (x.NeedsGrad(Inputs[0])) Axpby(x, x.Grad(Output), x.Grad(Inputs[0]), scale, x.Beta(this, 0));
    }
}

/// <summary>s = scale·Σ x over every element, in a fixed order; dx = scale·ds.</summary>
/// <param name="input">x, any shape.</param>
/// <param name="scale">Factor on the sum (1/rows for a batch mean).</param>
public sealed class SumOp<T>(Node<T> input, T scale) : KernelOp<T>("sum", input)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Nothing: every element gets scale·ds.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [];

    /// <summary>One partial sum per thread of the launch.</summary>
    public override long ForwardScratch(Device device) => device.LoopFor(Inputs[0].Length).Threads;

    /// <summary>s = scale·Σ x, partial sums per thread then one thread adding them in order (repeatable bit for bit).</summary>
    public override void Forward(Exec<T> x)
    {
        // Two phases in a fixed order: per-thread partials, then one thread adds them up.
        var partial = x.Scratch(this);
        var loop = x.Device.LoopFor(Inputs[0].Length);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>>(ReductionKernels.Sum)(loop.Threads, loop, x.Value(Inputs[0]), partial);
        SumToScalar(x, partial.SubView(0, loop.Threads), x.Value(Output), scale);
    }

    /// <summary>dx = beta·dx + scale·ds, the same value in every element.</summary>
    public override void Backward(Exec<T> x)
    {
        if (x.NeedsGrad(Inputs[0])) BroadcastScalar(x, x.Grad(Output), x.Grad(Inputs[0]), scale, x.Beta(this, 0));
    }
}

/// <summary>Shape checks with messages that name the op and both nodes.</summary>
static class Shapes
{
    public static void Same<T>(Node<T> a, Node<T> b, string op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (a.Rows != b.Rows || a.Cols != b.Cols)
            throw new IlgpuAeException($"{op} needs equal shapes, got {a.Label} and {b.Label}");
    }
}
