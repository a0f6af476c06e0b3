namespace IlgpuAe.Kernels;

/// <summary>
/// The reparameterisation z = μ + B·ε of a Gaussian encoder, ε ~ N(0, I) drawn beforehand by
/// <see cref="RandomKernels.Normal{T}"/> (so the backward pass sees the same ε). Diagonal:
/// B = diag(e^{½logσ²}); full covariance: B = L, a lower-triangular [dim, dim] factor per row.
/// Backward kernels accumulate: d = beta·d + ..., beta = 0 never reads d.
/// </summary>
public static class SamplingKernels
{
    /// <summary>z = μ + e^{½logσ²}·ε</summary>
    public static void DiagonalForward<T>(Index1D t, Loop loop, ArrayView<T> mean, ArrayView<T> logVar,
        ArrayView<T> eps, ArrayView<T> z)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)mean.Length;
        T half = Num<T>.Half;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++) z[i] = mean[i] + T.Exp(half * logVar[i]) * eps[i];
    }

    /// <summary>dμ = beta·dμ + dz;  dlogσ² = beta·dlogσ² + dz·ε·½e^{½logσ²}</summary>
    public static void DiagonalBackward<T>(Index1D t, Loop loop, ArrayView<T> logVar, ArrayView<T> eps,
        ArrayView<T> dz, ArrayView<T> dMean, ArrayView<T> dLogVar, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)logVar.Length;
        T half = Num<T>.Half;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                T g = dz[i];
                T dl = g * eps[i] * half * T.Exp(half * logVar[i]);
                Beta.Blend(dMean, i, beta, g);
                Beta.Blend(dLogVar, i, beta, dl);
            }
    }

    /// <summary>z[r,i] = μ[r,i] + Σ_{j≤i} L[r,i,j]·ε[r,j]  (L row-major [rows, dim, dim]; entries above the diagonal are ignored; loop over rows)</summary>
    public static void LowerTriangularForward<T>(Index1D t, Loop loop, ArrayView<T> mean, ArrayView<T> l,
        ArrayView<T> eps, ArrayView<T> z, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)(mean.Length / Math.Max(dim, 1));
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
            {
                long o = (long)r * dim, lo = o * dim;
                for (int i = 0; i < dim; i++)
                {
                    T acc = mean[o + i];
                    for (int j = 0; j <= i; j++) acc += l[lo + (long)i * dim + j] * eps[o + j];
                    z[o + i] = acc;
                }
            }
    }

    /// <summary>dμ = beta·dμ + dz;  dL[r,i,j] = beta·dL + dz[r,i]·ε[r,j] for j ≤ i, and 0 above the diagonal  (loop over rows)</summary>
    public static void LowerTriangularBackward<T>(Index1D t, Loop loop, ArrayView<T> eps, ArrayView<T> dz,
        ArrayView<T> dMean, ArrayView<T> dL, int dim, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)(eps.Length / Math.Max(dim, 1));
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
            {
                long o = (long)r * dim, lo = o * dim;
                for (int i = 0; i < dim; i++)
                {
                    T g = dz[o + i];
                    Beta.Blend(dMean, o + i, beta, g);
                    for (int j = 0; j < dim; j++)
                    {
                        // The upper triangle is not a parameter: its gradient is 0 so that an optimizer leaves it at 0.
                        T d = j <= i ? g * eps[o + j] : T.Zero;
                        long k = lo + (long)i * dim + j;
                        Beta.Blend(dL, k, beta, d);
                    }
                }
            }
    }
}

/// <summary>The double-precision meaning of <see cref="SamplingKernels"/>.</summary>
public static class SamplingReference
{
    /// <summary>z = μ + e^{½logσ²}·ε</summary>
    public static double[] Diagonal(double[] mu, double[] logVar, double[] eps) =>
        mu.Select((m, i) => m + Math.Exp(0.5 * logVar[i]) * eps[i]).ToArray();

    /// <summary>dμ = dz;  dlogσ² = dz·ε·½e^{½logσ²}</summary>
    public static (double[] dMean, double[] dLogVar) DiagonalGrad(double[] logVar, double[] eps, double[] dz) =>
        (dz.ToArray(), dz.Select((g, i) => g * eps[i] * 0.5 * Math.Exp(0.5 * logVar[i])).ToArray());

    /// <summary>z[r,i] = μ[r,i] + Σ_{j≤i} L[r,i,j]·ε[r,j], L [rows, dim, dim]</summary>
    public static double[] LowerTriangular(double[] mu, double[] l, double[] eps, int dim)
    {
        var z = new double[mu.Length];
        for (int r = 0; r < mu.Length / dim; r++)
            for (int i = 0; i < dim; i++)
            {
                double acc = mu[r * dim + i];
                for (int j = 0; j <= i; j++) acc += l[(r * dim + i) * dim + j] * eps[r * dim + j];
                z[r * dim + i] = acc;
            }
        return z;
    }

    /// <summary>dμ = dz;  dL[r,i,j] = dz[r,i]·ε[r,j] for j ≤ i, 0 above the diagonal.</summary>
    public static (double[] dMean, double[] dL) LowerTriangularGrad(double[] eps, double[] dz, int dim)
    {
        var dl = new double[dz.Length * dim];
        for (int r = 0; r < dz.Length / dim; r++)
            for (int i = 0; i < dim; i++)
                for (int j = 0; j <= i; j++) dl[(r * dim + i) * dim + j] = dz[r * dim + i] * eps[r * dim + j];
        return (dz.ToArray(), dl);
    }
}
