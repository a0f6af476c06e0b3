namespace IlgpuAe.Kernels;

/// <summary>Bookkeeping kernels of the executor.</summary>
public static class MetricKernels
{
    /// <summary>
    /// last[j] = source[offsets[j]]; sums[j] += last[j] for j &lt; loop.Span: gathers the loss terms
    /// of a step in one launch, so that a per-step check reads one small buffer.
    /// </summary>
    public static void AccumulateScalars<T>(Index1D t, Loop loop, ArrayView<T> source, ArrayView<int> offsets, ArrayView<T> sums, ArrayView<T> last)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t != 0) return;
        for (int j = 0; j < loop.Span; j++)
        {
            T v = source[offsets[j]];
            last[j] = v;
            sums[j] += v;
        }
    }

    /// <summary>
    /// target[offsets[j]] = values[j] for j &lt; loop.Span: seeds the loss terms' gradients (their weights at this step)
    /// in one launch, from values the host uploads, so that the launch is the same at every step.
    /// </summary>
    public static void ScatterScalars<T>(Index1D t, Loop loop, ArrayView<T> target, ArrayView<int> offsets, ArrayView<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t != 0) return;
        for (int j = 0; j < loop.Span; j++) target[offsets[j]] = values[j];
    }
}

/// <summary>The double-precision meaning of <see cref="MetricKernels"/>.</summary>
public static class MetricReference
{
    /// <summary>last[j] = source[offsets[j]] and sums[j] + last[j], for every j.</summary>
    public static (double[] Sums, double[] Last) AccumulateScalars(double[] source, int[] offsets, double[] sums)
    {
        var last = offsets.Select(o => source[o]).ToArray();
        return (sums.Select((s, j) => s + last[j]).ToArray(), last);
    }

    /// <summary>A copy of target with target[offsets[j]] = values[j], for every j.</summary>
    public static double[] ScatterScalars(double[] target, int[] offsets, double[] values)
    {
        var result = (double[])target.Clone();
        for (int j = 0; j < offsets.Length; j++) result[offsets[j]] = values[j];
        return result;
    }
}
