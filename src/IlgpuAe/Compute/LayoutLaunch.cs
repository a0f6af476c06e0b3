using System.Numerics;
using ILGPU;
using IlgpuAe.Kernels;

namespace IlgpuAe.Compute;

/// <summary>Launches of the layout kernels (slice, place, concatenate, transpose); the loop walks output elements.</summary>
public static class LayoutLaunch
{
    /// <summary>y = beta·y + columns [start, start + yCols) of x [rows, xCols].</summary>
    public static void Columns<T>(Device d, ArrayView<T> x, ArrayView<T> y, int xCols, int start, int yCols, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(y.Length);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, int, int, int, T>(LayoutKernels.Columns)(loop.Threads, loop, x, y, xCols, start, yCols, beta);
    }

    /// <summary>y = beta·y + x [rows, xCols] placed at columns [start, start + xCols) of y [rows, yCols] (zero elsewhere).</summary>
    public static void PlaceColumns<T>(Device d, ArrayView<T> x, ArrayView<T> y, int xCols, int start, int yCols, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(y.Length);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, int, int, int, T>(LayoutKernels.PlaceColumns)(loop.Threads, loop, x, y, xCols, start, yCols, beta);
    }

    /// <summary>y = [a | b].</summary>
    public static void Concat<T>(Device d, ArrayView<T> a, ArrayView<T> b, ArrayView<T> y, int aCols, int bCols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(y.Length);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int>(LayoutKernels.Concat)(loop.Threads, loop, a, b, y, aCols, bCols);
    }

    /// <summary>y = beta·y + xᵀ for x [rows, cols].</summary>
    public static void Transpose<T>(Device d, ArrayView<T> x, ArrayView<T> y, int rows, int cols, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(y.Length);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, int, int, T>(LayoutKernels.Transpose)(loop.Threads, loop, x, y, rows, cols, beta);
    }
}
