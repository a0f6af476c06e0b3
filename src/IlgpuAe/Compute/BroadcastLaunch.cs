using System.Numerics;
using ILGPU;
using IlgpuAe.Kernels;

namespace IlgpuAe.Compute;

/// <summary>Launches of the row and column broadcasts (the forward of broadcasts, the backward of row and column sums).</summary>
public static class BroadcastLaunch
{
    /// <summary>y[r, c] = beta·y[r, c] + scale·v[c] for y [rows, v.Length].</summary>
    public static void Row<T>(Device d, ArrayView<T> v, ArrayView<T> y, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(y.Length);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, int, T, T>(BroadcastKernels.Row)(loop.Threads, loop, v, y, (int)v.Length, scale, beta);
    }

    /// <summary>y[r, c] = beta·y[r, c] + scale·v[r] for y [v.Length, cols].</summary>
    public static void Column<T>(Device d, ArrayView<T> v, ArrayView<T> y, int cols, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(y.Length);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, int, T, T>(BroadcastKernels.Column)(loop.Threads, loop, v, y, cols, scale, beta);
    }
}
