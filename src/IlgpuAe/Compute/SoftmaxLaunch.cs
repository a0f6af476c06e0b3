using System.Numerics;
using ILGPU;
using IlgpuAe.Kernels;

namespace IlgpuAe.Compute;

/// <summary>Launches of the row-wise log-sum-exp and softmax kernels; the loop walks rows (one thread owns a whole row).</summary>
public static class SoftmaxLaunch
{
    /// <summary>lse[r] = m + ln Σ_c exp(x[r, c] − m) for x [lse.Length, cols].</summary>
    public static void LogSumExp<T>(Device d, ArrayView<T> x, ArrayView<T> lse, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(lse.Length);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, int>(SoftmaxKernels.LogSumExp)(loop.Threads, loop, x, lse, cols);
    }

    /// <summary>dx = beta·dx + dlse[r]·exp(x − lse[r]).</summary>
    public static void LogSumExpBackward<T>(Device d, ArrayView<T> x, ArrayView<T> lse, ArrayView<T> dlse, ArrayView<T> dx, int cols, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(lse.Length);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(SoftmaxKernels.LogSumExpBackward)(loop.Threads, loop, x, lse, dlse, dx, cols, beta);
    }

    /// <summary>y = softmax(x) over each row of x [rows, cols].</summary>
    public static void Forward<T>(Device d, ArrayView<T> x, ArrayView<T> y, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(y.Length / cols);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, int>(SoftmaxKernels.Forward)(loop.Threads, loop, x, y, cols);
    }

    /// <summary>dx = beta·dx + y ⊙ (dy − Σ_c dy·y) per row.</summary>
    public static void Backward<T>(Device d, ArrayView<T> y, ArrayView<T> dy, ArrayView<T> dx, int cols, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(y.Length / cols);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(SoftmaxKernels.Backward)(loop.Threads, loop, y, dy, dx, cols, beta);
    }
}
