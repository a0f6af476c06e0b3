namespace IlgpuAe.Kernels;

/// <summary>
/// Deterministic reductions: no atomics, every sum is taken in a fixed order, so the same device
/// and launch shape give bit-identical results run after run. Every long sum is blocked and compensated
/// (<see cref="Blocked"/>): within 1e-6 relative of the double sum in float at any length. Row and column sums are even
/// independent of the launch shape (one thread owns a whole row or column). Whole-buffer
/// reductions are two-phase: a per-thread partial (<see cref="Sum{T}"/>, <see cref="Max{T}"/>,
/// <see cref="SquaredNorm{T}"/>) into a scratch buffer of loop.Threads entries, then a
/// single-thread fold of the partials launched with extent 1.
/// </summary>
public static partial class ReductionKernels
{
    /// <summary>y[r] = beta·y[r] + scale·Σ_c x[r, c]  (x row-major [rows, cols]; loop over rows)</summary>
    public static void RowSums<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> y, int cols, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)y.Length;
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
                Beta.Blend(y, r, beta, scale * CompensatedSum<T>.OfBlocks(new RunTerms<T>(x, (long)r * cols), cols));
    }

    /// <summary>y[c] = beta·y[c] + scale·Σ_r x[r, c]  (the bias gradient; loop over columns)</summary>
    public static void ColumnSums<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> y, int rows, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int cols = (int)y.Length;
        for (int b = loop.First(t); b < cols; b += loop.Step)
            for (int c = b, e = loop.End(b, cols); c < e; c++)
            {
                // Rows in ascending order, in blocks, for every column: the result does not depend on
                // which thread owns the column. On a GPU (span 1) neighbouring threads read
                // neighbouring columns, so each row read is coalesced.
                Beta.Blend(y, c, beta, scale * CompensatedSum<T>.OfBlocks(new ColumnTerms<T>(x, cols, c), rows));
            }
    }

    /// <summary>partial[t] = Σ x[i] over the elements thread t owns, in index order, blocked (phase 1 of a sum).</summary>
    public static void Sum<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> partial)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Partial(t, loop, new RunTerms<T>(x, 0), (int)x.Length, partial);

    /// <summary>partial[t] = Σ x[i]² over the elements thread t owns (phase 1 of a squared L2 norm).</summary>
    public static void SquaredNorm<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> partial)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Partial(t, loop, new SquareTerms<T>(x, 0), (int)x.Length, partial);

    // partial[t] = Σ terms over the chunks thread t owns of [0, n), chunk after chunk, each blocked from its start
    static void Partial<T, TTerms>(Index1D t, Loop loop, TTerms terms, int n, ArrayView<T> partial)
        where T : unmanaged, IFloatingPointIeee754<T> where TTerms : struct, IBlockedTerms<T>
    {
        var acc = new CompensatedSum<T>();
        for (int b = loop.First(t); b < n; b += loop.Step) acc.AddBlocks(terms, b, loop.End(b, n));
        partial[t] = acc.Value;
    }

    /// <summary>y[0] = beta·y[0] + scale·Σ_{k &lt; count} partial[k], compensated  (phase 2; launch with extent 1)</summary>
    public static void SumPartials<T>(Index1D t, ArrayView<T> partial, ArrayView<T> y, int count, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t != 0) return;
        // Each partial is already a block's total (or a row's loss): every one is added compensated.
        var acc = new CompensatedSum<T>();
        for (int k = 0; k < count; k++) acc.Add(partial[k]);
        Beta.Blend(y, 0, beta, scale * acc.Value);
    }

    /// <summary>partial[t] = max x[i] over the elements thread t owns; −∞ if none; NaN if any is NaN.</summary>
    public static void Max<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> partial)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)x.Length;
        T m = T.NegativeInfinity;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++) m = MaxNaN(m, x[i]);
        partial[t] = m;
    }

    /// <summary>y[0] = max_{k &lt; count} partial[k]  (phase 2; launch with extent 1)</summary>
    public static void MaxPartials<T>(Index1D t, ArrayView<T> partial, ArrayView<T> y, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t != 0) return;
        T m = T.NegativeInfinity;
        for (int k = 0; k < count; k++) m = MaxNaN(m, partial[k]);
        y[0] = m;
    }

    /// <summary>result[0] = 1 if flags[k] ≠ 0 for every k &lt; count, else 0  (phase 2 of an all-finite check)</summary>
    public static void AllSet(Index1D t, ArrayView<int> flags, ArrayView<int> result, int count)
    {
        if (t != 0) return;
        int all = 1;
        for (int k = 0; k < count; k++)
            if (flags[k] == 0) all = 0;
        result[0] = all;
    }

    // Spelled out rather than T.Max: GPU fmax drops NaN while .NET's Max keeps it; this keeps it everywhere.
    static T MaxNaN<T>(T m, T v) where T : unmanaged, IFloatingPointIeee754<T> =>
        T.IsNaN(v) || v > m ? v : m;
}

/// <summary>The double-precision meaning of <see cref="ReductionKernels"/>.</summary>
public static class ReductionReference
{
    /// <summary>y[r] = scale·Σ_c x[r, c]</summary>
    public static double[] RowSums(double[] x, int rows, int cols, double scale) =>
        Enumerable.Range(0, rows).Select(r => scale * Enumerable.Range(0, cols).Sum(c => x[r * cols + c])).ToArray();

    /// <summary>y[c] = scale·Σ_r x[r, c]</summary>
    public static double[] ColumnSums(double[] x, int rows, int cols, double scale) =>
        Enumerable.Range(0, cols).Select(c => scale * Enumerable.Range(0, rows).Sum(r => x[r * cols + c])).ToArray();

    /// <summary>scale·Σ x[i]</summary>
    public static double Sum(double[] x, double scale) => scale * x.Sum();

    /// <summary>Σ x[i]²</summary>
    public static double SquaredNorm(double[] x) => x.Sum(v => v * v);

    /// <summary>max x[i]; throws <see cref="InvalidOperationException"/> when x is empty.</summary>
    public static double Max(double[] x) => x.Max();
}
