using System.Numerics;
using ILGPU;
using IlgpuAe.Kernels;
using static IlgpuAe.Compute.CpuBody;

namespace IlgpuAe.Compute;

/// <summary>Launches of the reductions: the float CPU bodies on the CPU accelerator where there are some, else the generic kernels.</summary>
public static class ReductionLaunch
{
    /// <summary>dst[c] = beta·dst[c] + scale·Σ_r src[r, c] for src [rows, dst.Length].</summary>
    public static void ColumnSums<T>(Device d, ArrayView<T> src, ArrayView<T> dst, int rows, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(dst.Length);
        if (Applies<T>(d))
            d.Load<Loop, ArrayView<float>, ArrayView<float>, int, float, float>(ReductionKernels.CpuColumnSums)(
                loop.Threads, loop, src.Cast<float>(), dst.Cast<float>(), rows, F(scale), F(beta));
        else
            d.Load<Loop, ArrayView<T>, ArrayView<T>, int, T, T>(ReductionKernels.ColumnSums)(loop.Threads, loop, src, dst, rows, scale, beta);
    }

    /// <summary>dst[r] = beta·dst[r] + scale·Σ_c src[r, c] for src [dst.Length, cols].</summary>
    public static void RowSums<T>(Device d, ArrayView<T> src, ArrayView<T> dst, int cols, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(dst.Length);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, int, T, T>(ReductionKernels.RowSums)(loop.Threads, loop, src, dst, cols, scale, beta);
    }

    /// <summary>Phase 1 of ‖x‖²: partial[t] = Σ x[i]² over the elements thread t of <paramref name="loop"/> owns.</summary>
    public static void SquaredNorm<T>(Device d, Loop loop, ArrayView<T> x, ArrayView<T> partial)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Applies<T>(d))
            d.Load<Loop, ArrayView<float>, ArrayView<float>>(ReductionKernels.CpuSquaredNorm)(loop.Threads, loop, x.Cast<float>(), partial.Cast<float>());
        else
            d.Load<Loop, ArrayView<T>, ArrayView<T>>(ReductionKernels.SquaredNorm)(loop.Threads, loop, x, partial);
    }

    /// <summary>Phase 1 of Σ x: partial[t] = Σ x[i] over the elements thread t of <paramref name="loop"/> owns, in index order.</summary>
    public static void Sum<T>(Device d, Loop loop, ArrayView<T> x, ArrayView<T> partial)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        d.Load<Loop, ArrayView<T>, ArrayView<T>>(ReductionKernels.Sum)(loop.Threads, loop, x, partial);

    /// <summary>Phase 2: dst[0] = beta·dst[0] + scale·Σ_{k &lt; count} partial[k], one thread in a fixed order.</summary>
    public static void SumPartials<T>(Device d, ArrayView<T> partial, ArrayView<T> dst, int count, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        d.Load<ArrayView<T>, ArrayView<T>, int, T, T>(ReductionKernels.SumPartials)(1, partial, dst, count, scale, beta);
}
