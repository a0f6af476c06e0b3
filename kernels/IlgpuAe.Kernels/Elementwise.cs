namespace IlgpuAe.Kernels;

/// <summary>
/// Elementwise kernels over flat buffers. The output may alias an input (y = x) in every kernel
/// here, since element i is read and written by one thread only.
/// </summary>
public static class ElementwiseKernels
{
    /// <summary>y[i] = value</summary>
    public static void Fill<T>(Index1D t, Loop loop, ArrayView<T> y, T value)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)y.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++) y[i] = value;
    }

    /// <summary>y[i] = x[i]</summary>
    public static void Copy<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)x.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++) y[i] = x[i];
    }

    /// <summary>y[i] = alpha·x[i] + beta·y[i]; beta = 0 never reads y (it may hold NaN).</summary>
    public static void Axpby<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> y, T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)x.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
                Beta.Blend(y, i, beta, alpha * x[i]); // beta·y + alpha·x: the same sum, added the other way round (exact)
    }

    /// <summary>y[i] = a[i] + b[i]</summary>
    public static void Add<T>(Index1D t, Loop loop, ArrayView<T> a, ArrayView<T> b, ArrayView<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)a.Length;
        for (int s = loop.First(t); s < n; s += loop.Step)
            for (int i = s, e = loop.End(s, n); i < e; i++) y[i] = a[i] + b[i];
    }

    /// <summary>y[i] = a[i]·b[i]</summary>
    public static void Mul<T>(Index1D t, Loop loop, ArrayView<T> a, ArrayView<T> b, ArrayView<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)a.Length;
        for (int s = loop.First(t); s < n; s += loop.Step)
            for (int i = s, e = loop.End(s, n); i < e; i++) y[i] = a[i] * b[i];
    }

    /// <summary>y[i] = alpha·x[i]</summary>
    public static void Scale<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> y, T alpha)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)x.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++) y[i] = alpha * x[i];
    }

    /// <summary>
    /// flags[t] = 1 if every element thread t owns is finite, else 0 (flags holds loop.Threads
    /// entries); <see cref="ReductionKernels.AllSet"/> folds the flags into one int on the device.
    /// </summary>
    public static void IsFinite<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<int> flags)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)x.Length;
        int ok = 1;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
                if (!Num<T>.IsFinite(x[i])) ok = 0;
        flags[t] = ok;
    }
}

/// <summary>The double-precision meaning of <see cref="ElementwiseKernels"/>.</summary>
public static class ElementwiseReference
{
    /// <summary>alpha·x[i] + beta·y[i]; beta 0 never reads y.</summary>
    public static double[] Axpby(double[] x, double[] y, double alpha, double beta) =>
        x.Select((v, i) => beta == 0 ? alpha * v : alpha * v + beta * y[i]).ToArray();

    /// <summary>a[i] + b[i]</summary>
    public static double[] Add(double[] a, double[] b) => a.Select((v, i) => v + b[i]).ToArray();

    /// <summary>a[i]·b[i]</summary>
    public static double[] Mul(double[] a, double[] b) => a.Select((v, i) => v * b[i]).ToArray();

    /// <summary>alpha·x[i]</summary>
    public static double[] Scale(double[] x, double alpha) => x.Select(v => alpha * v).ToArray();

    /// <summary>True when no value is NaN or ±∞.</summary>
    public static bool AllFinite(IEnumerable<double> x) => x.All(double.IsFinite);
}
