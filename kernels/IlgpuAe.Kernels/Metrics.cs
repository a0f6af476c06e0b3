using System.Numerics;
using ILGPU;

namespace IlgpuAe.Kernels;

/// <summary>Bookkeeping kernels of the executor.</summary>
public static class MetricKernels
{
    /// <summary>sums[j] += source[offsets[j]] for j &lt; loop.Span: gathers the loss terms of a step in one launch.</summary>
    public static void AccumulateScalars<T>(Index1D t, Loop loop, ArrayView<T> source, ArrayView<int> offsets, ArrayView<T> sums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t != 0) return;
        for (int j = 0; j < loop.Span; j++) sums[j] += source[offsets[j]];
    }
}
