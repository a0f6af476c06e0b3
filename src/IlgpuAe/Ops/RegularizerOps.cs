using System.Numerics;
using ILGPU;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Ops;

/// <summary>The backward of ops that pass no gradient to an input (samples, statistics).</summary>
static class NoGradient
{
    /// <summary>
    /// Contributes nothing to input <paramref name="i"/>'s gradient. The plan may still have made
    /// this op its first writer (beta 0), whose write the later writers accumulate onto: then zero it.
    /// </summary>
    public static void Zero<T>(Exec<T> x, Op<T> op, int i) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Beta(op, i) != T.Zero) return;
        var grad = x.Grad(op.Inputs[i]);
        var loop = x.Device.LoopFor(grad.Length);
        x.Device.Load<Loop, ArrayView<T>, T>(ElementwiseKernels.Fill)(loop.Threads, loop, grad, T.Zero);
    }
}
