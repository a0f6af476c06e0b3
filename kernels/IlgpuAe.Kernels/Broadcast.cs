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
}
