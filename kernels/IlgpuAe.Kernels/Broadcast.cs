namespace IlgpuAe.Kernels;

/// <summary>Kernels that spread a scalar or a row over a matrix (the backward of sums, forward of row-vector adds).</summary>
public static class BroadcastKernels
{
    /// <summary>y[i] = beta·y[i] + scale·s[0]  (the gradient of a sum: every element gets the same share)</summary>
    public static void Scalar<T>(Index1D t, Loop loop, ArrayView<T> s, ArrayView<T> y, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)y.Length;
        T g = scale * s[0];
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++) Beta.Blend(y, i, beta, g);
    }

    /// <summary>y[r, c] = x[r, c] + v[c]  (a row vector added to every row)</summary>
    public static void AddRow<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> v, ArrayView<T> y, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)y.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++) y[i] = x[i] + v[i % cols];
    }

    /// <summary>y[r, c] = beta·y[r, c] + scale·v[c]  (a [1, cols] row repeated down every row; the backward of column sums)</summary>
    public static void Row<T>(Index1D t, Loop loop, ArrayView<T> v, ArrayView<T> y, int cols, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)y.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++) Beta.Blend(y, i, beta, scale * v[i % cols]);
    }

    /// <summary>y[r, c] = beta·y[r, c] + scale·v[r]  (a [rows, 1] column repeated across every column; the backward of row sums)</summary>
    public static void Column<T>(Index1D t, Loop loop, ArrayView<T> v, ArrayView<T> y, int cols, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)y.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++) Beta.Blend(y, i, beta, scale * v[i / cols]);
    }
}

/// <summary>Double references of the broadcast kernels.</summary>
public static class BroadcastReference
{
    /// <summary>y[i] = beta·y[i] + scale·s, with beta 0 ignoring y (returns a new array).</summary>
    public static double[] Scalar(double s, double[] y, double scale, double beta) =>
        y.Select(v => (beta == 0 ? 0 : beta * v) + scale * s).ToArray();

    /// <summary>y[r, c] = x[r, c] + v[c] for x row-major with <paramref name="cols"/> columns.</summary>
    public static double[] AddRow(double[] x, double[] v, int cols) =>
        x.Select((value, i) => value + v[i % cols]).ToArray();

    /// <summary>y[r, c] = beta·y[r, c] + scale·v[c] for <paramref name="rows"/> rows (beta 0 ignores y, which may be null).</summary>
    public static double[] Row(double[] v, int rows, double scale, double beta, double[]? y = null) =>
        Enumerable.Range(0, rows * v.Length).Select(i => (beta == 0 ? 0 : beta * y![i]) + scale * v[i % v.Length]).ToArray();

    /// <summary>y[r, c] = beta·y[r, c] + scale·v[r] for <paramref name="cols"/> columns (beta 0 ignores y, which may be null).</summary>
    public static double[] Column(double[] v, int cols, double scale, double beta, double[]? y = null) =>
        Enumerable.Range(0, v.Length * cols).Select(i => (beta == 0 ? 0 : beta * y![i]) + scale * v[i / cols]).ToArray();
}
