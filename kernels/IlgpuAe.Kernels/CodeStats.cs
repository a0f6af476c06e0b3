namespace IlgpuAe.Kernels;

/// <summary>Statistics of a code h [rows, cols] that a sparse model reports but does not optimise.</summary>
public static class CodeStatsKernels
{
    /// <summary>count_r = Σ_c [|h[r,c]| &lt; threshold]  (loop over rows; the count is accumulated in T)</summary>
    public static void RowCountBelow<T>(Index1D t, Loop loop, ArrayView<T> h, ArrayView<T> rowCount, int cols, T threshold)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)rowCount.Length;
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
            {
                T acc = T.Zero;
                long o = (long)r * cols;
                for (int c = 0; c < cols; c++)
                    if (T.Abs(h[o + c]) < threshold) acc += T.One;
                rowCount[r] = acc;
            }
    }
}

/// <summary>The double-precision meaning of <see cref="CodeStatsKernels"/>.</summary>
public static class CodeStatsReference
{
    /// <summary>count[r] = #{c : |h[r, c]| &lt; threshold}, one count per row of h [rows, cols].</summary>
    public static double[] RowCountBelow(double[] h, int rows, int cols, double threshold) =>
        Enumerable.Range(0, rows).Select(r => (double)Enumerable.Range(r * cols, cols).Count(i => Math.Abs(h[i]) < threshold)).ToArray();
}
