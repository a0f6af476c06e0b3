using System.Numerics;
using ILGPU;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Ops;

/// <summary>y = f(x) elementwise for a <see cref="PointwiseFunction"/> (exp, log, abs, square, sqrt); dx = dy·f'(x).</summary>
public sealed class PointwiseOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>f(x), named after the function ("exp", "log", ...).</summary>
    public PointwiseOp(Node<T> x, PointwiseFunction function) : base(function.ToString().ToLowerInvariant(), x) => Function = function;

    /// <summary>The function applied.</summary>
    public PointwiseFunction Function { get; }

    /// <summary>y = f(x)</summary>
    public override void Forward(Exec<T> x) => LaunchForward(x.Device, Function, x.Value(Inputs[0]), x.Value(Output));

    /// <summary>dx = beta·dx + dy·f'(x), f' written from x and y</summary>
    public override void Backward(Exec<T> x)
    {
        if (x.NeedsGrad(Inputs[0]))
            LaunchBackward(x.Device, Function, x.Value(Inputs[0]), x.Value(Output), x.Grad(Output), x.Grad(Inputs[0]), x.Beta(this, 0));
    }

    /// <summary>The forward launch, also for benchmarks: y = f(x) over every element.</summary>
    public static void LaunchForward(Device device, PointwiseFunction f, ArrayView<T> x, ArrayView<T> y)
    {
        var loop = device.LoopFor(x.Length);
        device.Load<Loop, ArrayView<T>, ArrayView<T>, int>(PointwiseKernels.Forward)(loop.Threads, loop, x, y, (int)f);
    }

    /// <summary>The backward launch: dx = beta·dx + dy·f'(x).</summary>
    public static void LaunchBackward(Device device, PointwiseFunction f, ArrayView<T> x, ArrayView<T> y, ArrayView<T> dy, ArrayView<T> dx, T beta)
    {
        var loop = device.LoopFor(x.Length);
        device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(PointwiseKernels.Backward)(
            loop.Threads, loop, x, y, dy, dx, (int)f, beta);
    }
}
