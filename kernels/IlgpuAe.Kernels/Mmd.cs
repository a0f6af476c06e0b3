namespace IlgpuAe.Kernels;

/// <summary>
/// The squared maximum mean discrepancy between codes z [n, d] and prior samples p [n, d] (WAE-MMD, Tolstikhin et al. 2018),
/// the unbiased U-statistic
/// MMD² = 1/(n(n−1)) Σ_{i≠j} [k(z_i, z_j) + k(p_i, p_j)] − 2/n² Σ_{i,j} k(z_i, p_j),
/// for a kernel of the squared distance D = ‖a − b‖²: inverse multiquadratic k = C/(C + D) (kind 0) or RBF k = e^{−D/C}
/// (kind 1), C a scale (2·d·σ² for a N(0, σ²I) prior). The pairwise kernel matrix is never stored: each row's sums are
/// formed on the fly, O(n²·d) work. Only z takes a gradient (the prior samples are fixed draws).
/// </summary>
public static class MmdKernels
{
    /// <summary>Inverse multiquadratic, C/(C + D).</summary>
    public const int Imq = 0;
    /// <summary>Gaussian (RBF), e^{−D/C}.</summary>
    public const int Rbf = 1;

    /// <summary>
    /// s_i = same·Σ_{j≠i} [k(z_i, z_j) + k(p_i, p_j)] − cross·Σ_j k(z_i, p_j), so that MMD² = Σ_i s_i
    /// (same = 1/(n(n−1)), cross = 2/n²; loop over rows)
    /// </summary>
    public static void RowsForward<T>(Index1D t, Loop loop, ArrayView<T> z, ArrayView<T> p, ArrayView<T> rowOut, int dim, int kind, T c, T same, T cross)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)rowOut.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                T sz = T.Zero, sp = T.Zero, sc = T.Zero;
                for (int j = 0; j < n; j++)
                {
                    if (j != i)
                    {
                        sz += Kernel(kind, c, Distance(z, z, i, j, dim));
                        sp += Kernel(kind, c, Distance(p, p, i, j, dim));
                    }
                    sc += Kernel(kind, c, Distance(z, p, i, j, dim));
                }
                rowOut[i] = same * (sz + sp) - cross * sc;
            }
    }

    /// <summary>
    /// dz_i = beta·dz_i + g·scale·[2·same·Σ_{j≠i} k'(D_ij)·2(z_i − z_j) − cross·Σ_j k'(D(z_i, p_j))·2(z_i − p_j)],
    /// k' = dk/dD: −C/(C + D)² (IMQ) or −e^{−D/C}/C (RBF)  (loop over rows; each writes its d values)
    /// </summary>
    public static void Backward<T>(Index1D t, Loop loop, ArrayView<T> z, ArrayView<T> p, ArrayView<T> gradOut, ArrayView<T> dZ,
        int dim, int kind, T c, T same, T cross, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)(z.Length / Math.Max(dim, 1));
        T gs = gradOut[0] * scale;
        T two = Num<T>.Two;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                long o = (long)i * dim;
                for (int a = 0; a < dim; a++) Beta.Blend(dZ, o + a, beta, T.Zero);
                for (int j = 0; j < n; j++)
                {
                    T wz = j == i ? T.Zero : two * same * Slope(kind, c, Distance(z, z, i, j, dim));
                    T wp = cross * Slope(kind, c, Distance(z, p, i, j, dim));
                    long q = (long)j * dim;
                    for (int a = 0; a < dim; a++)
                        dZ[o + a] += gs * two * (wz * (z[o + a] - z[q + a]) - wp * (z[o + a] - p[q + a]));
                }
            }
    }

    static T Distance<T>(ArrayView<T> a, ArrayView<T> b, int i, int j, int dim) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T acc = T.Zero;
        long oi = (long)i * dim, oj = (long)j * dim;
        for (int k = 0; k < dim; k++)
        {
            T d = a[oi + k] - b[oj + k];
            acc += d * d;
        }
        return acc;
    }

    static T Kernel<T>(int kind, T c, T d) where T : unmanaged, IFloatingPointIeee754<T> =>
        kind == Imq ? c / (c + d) : T.Exp(-d / c);

    static T Slope<T>(int kind, T c, T d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (kind == Imq)
        {
            T s = c + d;
            return -c / (s * s);
        }
        return -T.Exp(-d / c) / c;
    }
}

/// <summary>The double-precision meaning of <see cref="MmdKernels"/>, with the kernel matrices written out.</summary>
public static class MmdReference
{
    static double K(int kind, double c, double[] a, int i, double[] b, int j, int dim)
    {
        double d = Enumerable.Range(0, dim).Sum(k => (a[i * dim + k] - b[j * dim + k]) * (a[i * dim + k] - b[j * dim + k]));
        return kind == MmdKernels.Imq ? c / (c + d) : Math.Exp(-d / c);
    }

    /// <summary>The unbiased MMD² between z and p, both [n, dim] (n at least 2).</summary>
    public static double Mmd(double[] z, double[] p, int dim, int kind, double c)
    {
        int n = z.Length / dim;
        double zz = 0, pp = 0, zp = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                if (i != j)
                {
                    zz += K(kind, c, z, i, z, j, dim);
                    pp += K(kind, c, p, i, p, j, dim);
                }
                zp += K(kind, c, z, i, p, j, dim);
            }
        return (zz + pp) / (n * (n - 1.0)) - 2 * zp / ((double)n * n);
    }

    /// <summary>g·dMMD²/dz, by the chain rule through every pair (k' of the squared distance written per kernel).</summary>
    public static double[] MmdGrad(double[] z, double[] p, int dim, int kind, double c, double g)
    {
        int n = z.Length / dim;
        var dz = new double[z.Length];
        double Slope(double d) => kind == MmdKernels.Imq ? -c / ((c + d) * (c + d)) : -Math.Exp(-d / c) / c;
        double D(double[] a, int i, double[] b, int j) => Enumerable.Range(0, dim).Sum(k => (a[i * dim + k] - b[j * dim + k]) * (a[i * dim + k] - b[j * dim + k]));
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                if (i != j)
                {
                    // k(z_i, z_j) appears in the ordered pairs (i, j) and (j, i); this adds the (i, j) pair's share to both ends.
                    double w = g * Slope(D(z, i, z, j)) / (n * (n - 1.0));
                    for (int k = 0; k < dim; k++)
                    {
                        double diff = 2 * (z[i * dim + k] - z[j * dim + k]);
                        dz[i * dim + k] += w * diff;
                        dz[j * dim + k] -= w * diff;
                    }
                }
                double wc = -2 * g * Slope(D(z, i, p, j)) / ((double)n * n);
                for (int k = 0; k < dim; k++) dz[i * dim + k] += wc * 2 * (z[i * dim + k] - p[j * dim + k]);
            }
        return dz;
    }
}
