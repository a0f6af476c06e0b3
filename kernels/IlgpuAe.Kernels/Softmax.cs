namespace IlgpuAe.Kernels;

/// <summary>
/// Log-sum-exp and softmax over each row of x [rows, cols], numerically stable: the row's maximum m is subtracted
/// before exponentiating, so no exp overflows and the largest term is exactly 1. One thread owns a whole row (the
/// loop walks rows), so a row's result does not depend on the launch shape. A NaN anywhere in a row makes the row NaN.
/// </summary>
public static class SoftmaxKernels
{
    /// <summary>y[r] = m + ln Σ_c exp(x[r, c] − m), m = max_c x[r, c]  (y is [rows, 1])</summary>
    public static void LogSumExp<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> y, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)y.Length;
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
            {
                long o = (long)r * cols;
                T m = RowMax(x, o, cols);
                T s = T.Zero;
                for (int c = 0; c < cols; c++) s += T.Exp(x[o + c] - m);
                y[r] = m + T.Log(s);
            }
    }

    /// <summary>dx[r, c] = beta·dx[r, c] + dy[r]·exp(x[r, c] − y[r])  (∂lse/∂x is the row's softmax)</summary>
    public static void LogSumExpBackward<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> y, ArrayView<T> dy, ArrayView<T> dx, int cols, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)y.Length;
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
            {
                long o = (long)r * cols;
                T g = dy[r], lse = y[r];
                for (int c = 0; c < cols; c++) Beta.Blend(dx, o + c, beta, g * T.Exp(x[o + c] - lse));
            }
    }

    /// <summary>y[r, c] = exp(x[r, c] − m) / Σ_k exp(x[r, k] − m), m = max_k x[r, k]</summary>
    public static void Forward<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> y, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)(y.Length / cols);
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
            {
                long o = (long)r * cols;
                T m = RowMax(x, o, cols);
                T s = T.Zero;
                for (int c = 0; c < cols; c++)
                {
                    T v = T.Exp(x[o + c] - m);
                    y[o + c] = v;
                    s += v;
                }
                T inv = T.One / s;
                for (int c = 0; c < cols; c++) y[o + c] *= inv;
            }
    }

    /// <summary>dx[r, c] = beta·dx[r, c] + y[r, c]·(dy[r, c] − Σ_k dy[r, k]·y[r, k])  (the softmax Jacobian, from y alone)</summary>
    public static void Backward<T>(Index1D t, Loop loop, ArrayView<T> y, ArrayView<T> dy, ArrayView<T> dx, int cols, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)(y.Length / cols);
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
            {
                long o = (long)r * cols;
                T dot = T.Zero;
                for (int c = 0; c < cols; c++) dot += dy[o + c] * y[o + c];
                for (int c = 0; c < cols; c++) Beta.Blend(dx, o + c, beta, y[o + c] * (dy[o + c] - dot));
            }
    }

    // max over x[o .. o + cols); NaN if any element is NaN (spelled out: GPU fmax would drop it).
    static T RowMax<T>(ArrayView<T> x, long o, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T m = T.NegativeInfinity;
        for (int c = 0; c < cols; c++)
        {
            T v = x[o + c];
            if (T.IsNaN(v) || v > m) m = v; // once NaN, m stays NaN: nothing compares greater
        }
        return m;
    }
}

/// <summary>The double meaning of <see cref="SoftmaxKernels"/>, written from the textbook formulas (max-subtracted).</summary>
public static class SoftmaxReference
{
    /// <summary>lse[r] = m + ln Σ_c exp(x[r, c] − m) for x row-major [rows, cols].</summary>
    public static double[] LogSumExp(double[] x, int cols) =>
        Enumerable.Range(0, x.Length / cols).Select(r =>
        {
            var row = x.AsSpan(r * cols, cols).ToArray();
            double m = row.Max();
            return m + Math.Log(row.Sum(v => Math.Exp(v - m)));
        }).ToArray();

    /// <summary>softmax[r, c] = exp(x[r, c] − lse[r]).</summary>
    public static double[] Softmax(double[] x, int cols)
    {
        var lse = LogSumExp(x, cols);
        return x.Select((v, i) => Math.Exp(v - lse[i / cols])).ToArray();
    }

    /// <summary>dx[r, c] = s[r, c]·(dy[r, c] − Σ_k dy[r, k]·s[r, k]) with s the softmax of x.</summary>
    public static double[] SoftmaxBackward(double[] x, double[] dy, int cols)
    {
        var s = Softmax(x, cols);
        var dot = Enumerable.Range(0, x.Length / cols).Select(r => Enumerable.Range(0, cols).Sum(c => dy[r * cols + c] * s[r * cols + c])).ToArray();
        return s.Select((v, i) => v * (dy[i] - dot[i / cols])).ToArray();
    }
}
