using System.Numerics;
using ILGPU;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Ops;

/// <summary>The kernel of an MMD penalty between codes and prior samples.</summary>
public enum MmdKernel
{
    /// <summary>Inverse multiquadratic C/(C + ‖a − b‖²): heavy tails, the WAE paper's choice.</summary>
    Imq,
    /// <summary>Gaussian e^{−‖a − b‖²/C}.</summary>
    Rbf,
}

/// <summary>
/// The unbiased MMD² between the rows of z [n, d] and prior samples p [n, d] (<see cref="MmdKernels"/>), a [1, 1] scalar.
/// Only z takes a gradient; p is a fixed draw. It is a function of the whole batch, not a mean of per-row terms.
/// </summary>
public sealed class MmdOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly MmdKernel _kernel;
    readonly T _scale;

    /// <summary>MMD² of <paramref name="z"/> against <paramref name="prior"/> with kernel scale C = <paramref name="scale"/> (positive); IlgpuAeException when the shapes differ or there are fewer than 2 rows.</summary>
    public MmdOp(Node<T> z, Node<T> prior, MmdKernel kernel, T scale) : base("mmd", z, prior)
    {
        Shapes.Same(z, prior, Name);
        if (z.Rows < 2) throw new IlgpuAeException($"{Name} needs at least 2 rows (its U-statistic averages over pairs), got {z.Label}");
        if (!(scale > T.Zero)) throw new IlgpuAeException($"{Name} needs a positive kernel scale, got {scale}");
        _kernel = kernel;
        _scale = scale;
    }

    int Rows => Inputs[0].Rows;
    int Dim => Inputs[0].Cols;
    T Same => T.One / (T.CreateTruncating(Rows) * T.CreateTruncating(Rows - 1));
    T Cross => T.CreateTruncating(2) / (T.CreateTruncating(Rows) * T.CreateTruncating(Rows));

    /// <summary>z and p: the gradient is recomputed from them.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => Inputs;

    /// <summary>One partial sum per row.</summary>
    public override long ForwardScratch(Device device) => Rows;

    /// <summary>MMD² = Σ_i s_i, the row partials summed in a fixed order.</summary>
    public override void Forward(Exec<T> x)
    {
        var rows = x.Scratch(this);
        var loop = x.Device.LoopFor(Rows);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int, T, T, T>(MmdKernels.RowsForward)(
            loop.Threads, loop, x.Value(Inputs[0]), x.Value(Inputs[1]), rows, Dim, (int)_kernel, _scale, Same, Cross);
        SumToScalar(x, rows, x.Value(Output), T.One);
    }

    /// <summary>dz = beta·dz + g·dMMD²/dz; the prior samples get nothing.</summary>
    public override void Backward(Exec<T> x)
    {
        if (!x.NeedsGrad(Inputs[0])) return;
        var loop = x.Device.LoopFor(Rows);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int, T, T, T, T, T>(MmdKernels.Backward)(
            loop.Threads, loop, x.Value(Inputs[0]), x.Value(Inputs[1]), x.Grad(Output), x.Grad(Inputs[0]), Dim, (int)_kernel, _scale, Same, Cross, T.One, x.Beta(this, 0));
    }
}
