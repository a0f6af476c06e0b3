namespace IlgpuAe.Kernels;

/// <summary>
/// Kernels that move elements without arithmetic: a block of feature columns taken out of a row-major matrix or put
/// back into one (slice and its gradient, the halves of a concatenation), two matrices side by side, a transpose.
/// Every kernel walks the elements of its output, so each output element is written by one thread.
/// </summary>
public static class LayoutKernels
{
    /// <summary>y[r, c] = beta·y[r, c] + x[r, start + c]  (y [rows, yCols] is columns [start, start + yCols) of x [rows, xCols])</summary>
    public static void Columns<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> y, int xCols, int start, int yCols, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)y.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                int r = i / yCols, c = i - r * yCols;
                Beta.Blend(y, i, beta, x[(long)r * xCols + start + c]);
            }
    }

    /// <summary>y[r, j] = beta·y[r, j] + (start ≤ j &lt; start + xCols ? x[r, j − start] : 0)  (x [rows, xCols] placed into y [rows, yCols])</summary>
    public static void PlaceColumns<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> y, int xCols, int start, int yCols, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)y.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                int r = i / yCols, j = i - r * yCols - start;
                Beta.Blend(y, i, beta, j >= 0 && j < xCols ? x[(long)r * xCols + j] : T.Zero);
            }
    }

    /// <summary>y[r, c] = c &lt; aCols ? a[r, c] : b[r, c − aCols]  (a [rows, aCols] and b [rows, bCols] side by side)</summary>
    public static void Concat<T>(Index1D t, Loop loop, ArrayView<T> a, ArrayView<T> b, ArrayView<T> y, int aCols, int bCols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)y.Length, cols = aCols + bCols;
        for (int s = loop.First(t); s < n; s += loop.Step)
            for (int i = s, e = loop.End(s, n); i < e; i++)
            {
                int r = i / cols, c = i - r * cols;
                y[i] = c < aCols ? a[(long)r * aCols + c] : b[(long)r * bCols + c - aCols];
            }
    }

    /// <summary>y[c, r] = beta·y[c, r] + x[r, c]  (x [rows, cols], y [cols, rows]; the backward is the same kernel on dy)</summary>
    public static void Transpose<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> y, int rows, int cols, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)y.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                int c = i / rows, r = i - c * rows;
                Beta.Blend(y, i, beta, x[(long)r * cols + c]);
            }
    }
}

/// <summary>The double meaning of <see cref="LayoutKernels"/>, as index arithmetic on row-major arrays.</summary>
public static class LayoutReference
{
    /// <summary>Columns [start, start + count) of x [rows, cols].</summary>
    public static double[] Slice(double[] x, int cols, int start, int count) =>
        Enumerable.Range(0, x.Length / cols).SelectMany(r => x.Skip(r * cols + start).Take(count)).ToArray();

    /// <summary>x [rows, count] placed at columns [start, start + count) of a zero [rows, cols] matrix.</summary>
    public static double[] Place(double[] x, int count, int start, int cols)
    {
        int rows = x.Length / count;
        var y = new double[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < count; c++) y[r * cols + start + c] = x[r * count + c];
        return y;
    }

    /// <summary>[a | b] for a [rows, aCols] and b [rows, bCols].</summary>
    public static double[] Concat(double[] a, int aCols, double[] b, int bCols) =>
        Enumerable.Range(0, a.Length / aCols).SelectMany(r => a.Skip(r * aCols).Take(aCols).Concat(b.Skip(r * bCols).Take(bCols))).ToArray();

    /// <summary>xᵀ for x [rows, cols].</summary>
    public static double[] Transpose(double[] x, int rows, int cols)
    {
        var y = new double[x.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) y[c * rows + r] = x[r * cols + c];
        return y;
    }
}
