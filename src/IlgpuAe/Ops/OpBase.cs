using System.Numerics;
using ILGPU;
using IlgpuAe.Compute;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Ops;

/// <summary>Shared launch helpers of the built-in ops: the loop shape always comes from the device.</summary>
/// <param name="name">The op's kind name (<see cref="Op{T}.Name"/>).</param>
/// <param name="inputs">The nodes read, in order.</param>
public abstract class KernelOp<T>(string name, params Node<T>[] inputs) : Op<T>(name, inputs)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>dst = beta·dst + scale·s[0] over every element of dst.</summary>
    protected static void BroadcastScalar(Exec<T> x, ArrayView<T> s, ArrayView<T> dst, T scale, T beta)
    {
        var loop = x.Device.LoopFor(dst.Length);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, T, T>(BroadcastKernels.Scalar)(loop.Threads, loop, s, dst, scale, beta);
    }

    /// <summary>dst = alpha·src + beta·dst.</summary>
    protected static void Axpby(Exec<T> x, ArrayView<T> src, ArrayView<T> dst, T alpha, T beta)
    {
        var loop = x.Device.LoopFor(dst.Length);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, T, T>(ElementwiseKernels.Axpby)(loop.Threads, loop, src, dst, alpha, beta);
    }

    /// <summary>y[j] = beta·y[j] + scale·Σ_i x[i, j] over the rows of x.</summary>
    protected static void ColumnSums(Exec<T> x, ArrayView<T> src, ArrayView<T> dst, int rows, T scale, T beta)
    {
        ReductionLaunch.ColumnSums(x.Device, src, dst, rows, scale, beta);
    }

    /// <summary>y[0] = beta·y[0] + scale·Σ src, deterministic (fixed order).</summary>
    protected static void SumToScalar(Exec<T> x, ArrayView<T> src, ArrayView<T> dst, T scale)
    {
        ReductionLaunch.SumPartials(x.Device, src, dst, (int)src.Length, scale, T.Zero);
    }
}
