using System.Numerics;
using ILGPU;
using IlgpuAe.Kernels;

namespace IlgpuAe.Compute;

/// <summary>Launches of the vector-quantisation kernels (<see cref="QuantizeKernels"/>): the generic kernels on every backend, the GEMM from <see cref="Gemm"/>.</summary>
public static class QuantizeLaunch
{
    /// <summary>
    /// index[m] = argmin_k ‖z_m − e_k‖² for z [M, D] and E [K, D]: ‖e_k‖² into <paramref name="norms"/> [K], z·Eᵀ into
    /// <paramref name="scores"/> [M, K] by the GEMM, then the argmin.
    /// </summary>
    public static void Nearest<T>(Device d, ArrayView<T> z, ArrayView<T> codebook, ArrayView<T> scores, ArrayView<T> norms, ArrayView<T> index, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int codes = (int)norms.Length, rows = (int)index.Length;
        var loop = d.LoopFor(codes);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, int>(QuantizeKernels.CodeNorms)(loop.Threads, loop, codebook, norms, dim);
        Gemm.Run(d, false, true, rows, codes, dim, T.One, z, codebook, T.Zero, scores);
        var rowLoop = d.LoopFor(rows);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>>(QuantizeKernels.Nearest)(rowLoop.Threads, rowLoop, scores, norms, index);
    }

    /// <summary>q[m] = E[index[m]], q [M, D].</summary>
    public static void Gather<T>(Device d, ArrayView<T> codebook, ArrayView<T> index, ArrayView<T> q, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int codes = (int)(codebook.Length / dim);
        var loop = d.LoopFor(codes);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int>(QuantizeKernels.Gather)(loop.Threads, loop, codebook, index, q, codes, dim);
    }

    /// <summary>dE = beta·dE + the rows of dq summed onto their codes.</summary>
    public static void Scatter<T>(Device d, ArrayView<T> dq, ArrayView<T> index, ArrayView<T> dCodebook, int codes, int dim, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(codes);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int, T>(QuantizeKernels.Scatter)(loop.Threads, loop, dq, index, dCodebook, codes, dim, beta);
    }

    /// <summary>count[k] = uses of code k in index.</summary>
    public static void Counts<T>(Device d, ArrayView<T> index, ArrayView<T> count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(count.Length);
        d.Load<Loop, ArrayView<T>, ArrayView<T>>(QuantizeKernels.Counts)(loop.Threads, loop, index, count);
    }

    /// <summary>The fraction of codes used and the perplexity of the use counts (one thread).</summary>
    public static void Statistics<T>(Device d, ArrayView<T> count, ArrayView<T> usage, ArrayView<T> perplexity) where T : unmanaged, IFloatingPointIeee754<T> =>
        d.Load<ArrayView<T>, ArrayView<T>, ArrayView<T>>(QuantizeKernels.Statistics)(1, count, usage, perplexity);

    /// <summary>One EMA codebook step: the running counts and sums, then the codebook from them.</summary>
    public static void Ema<T>(Device d, ArrayView<T> z, ArrayView<T> index, ArrayView<T> count, ArrayView<T> emaCount, ArrayView<T> emaSum,
        ArrayView<T> codebook, int dim, double decay, double epsilon) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(count.Length);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(QuantizeKernels.EmaAccumulate)(
            loop.Threads, loop, z, index, count, emaCount, emaSum, dim, T.CreateTruncating(decay));
        d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(QuantizeKernels.EmaNormalize)(
            loop.Threads, loop, emaCount, emaSum, codebook, dim, T.CreateTruncating(epsilon));
    }

    /// <summary>Restarts the codes idle for <paramref name="after"/> steps from rows of z (see <see cref="QuantizeKernels.Restart{T}"/>); without EMA buffers pass empty views.</summary>
    public static void Restart<T>(Device d, ArrayView<T> z, ArrayView<T> count, ArrayView<T> idle, ArrayView<T> codebook, ArrayView<T> emaCount, ArrayView<T> emaSum,
        int rows, int dim, int after, long step, bool ema) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(count.Length);
        // ILGPU cannot pass an empty view to a kernel on every backend: without EMA the idle counts stand in, never written.
        if (!ema) (emaCount, emaSum) = (idle, idle);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int, T, long, int>(QuantizeKernels.Restart)(
            loop.Threads, loop, z, count, idle, codebook, emaCount, emaSum, rows, dim, T.CreateTruncating(after), step, ema ? 1 : 0);
    }
}
