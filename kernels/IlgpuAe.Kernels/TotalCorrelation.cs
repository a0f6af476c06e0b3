namespace IlgpuAe.Kernels;

/// <summary>
/// The β-TCVAE decomposition of the KL (Chen et al. 2018) by minibatch-weighted sampling, over a batch of B codes
/// z_i ~ q(z|x_i) = N(μ_i, diag e^{v_i}) of d dimensions, a training set of N images:
/// L_ijk = log N(z_ik; μ_jk, e^{v_jk}) = −½[(z_ik − μ_jk)² e^{−v_jk} + v_jk + log 2π]  (the B × B × d log-density block),
/// log q(z_i|x_i) = Σ_k L_iik,   log q(z_i) ≈ LSE_j Σ_k L_ijk − log(N·B),   log Π_k q(z_ik) ≈ Σ_k [LSE_j L_ijk − log(N·B)],
/// log p(z_i) = Σ_k −½(z_ik² + log 2π);
/// index-code MI = mean_i [log q(z_i|x_i) − log q(z_i)], total correlation TC = mean_i [log q(z_i) − log Π_k q(z_ik)],
/// dimension-wise KL = mean_i [log Π_k q(z_ik) − log p(z_i)]; the three sum to the one-sample KL estimate.
/// A launch computes one part (part 0: MI, 1: TC, 2: DW), written as c_mi·MI + c_tc·TC + c_dw·DW with one-hot weights, so one kernel serves each part.
/// Forward stores the softmax weights a_ij = softmax_j Σ_k L_ijk [B, B] and the per-dimension LSE_j L_ijk [B, d] for backward.
/// </summary>
public static class TotalCorrelationKernels
{
    /// <summary>
    /// s_i = c_mi·(log q(z_i|x_i) − log q(z_i)) + c_tc·(log q(z_i) − log Π q(z_ik)) + c_dw·(log Π q(z_ik) − log p(z_i));
    /// resp[i, j] = a_ij; lse[i, k] = LSE_j L_ijk  (online log-sum-exp; loop over rows)
    /// </summary>
    public static void Forward<T>(Index1D t, Loop loop, ArrayView<T> z, ArrayView<T> mean, ArrayView<T> logVar, ArrayView<T> rowOut,
        ArrayView<T> resp, ArrayView<T> lse, int dim, T logNB, int part)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)rowOut.Length;
        T log2Pi = Num<T>.Log2Pi;
        T cMi = Coefficient<T>(part, 0), cTc = Coefficient<T>(part, 1), cDw = Coefficient<T>(part, 2);
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                long ri = (long)i * n;
                T maxS = T.NegativeInfinity;
                for (int j = 0; j < n; j++)
                {
                    T s = T.Zero;
                    for (int k = 0; k < dim; k++) s += LogDensity(z, mean, logVar, i, j, k, dim, log2Pi);
                    resp[ri + j] = s;
                    if (s > maxS) maxS = s;
                }
                T sum = T.Zero;
                for (int j = 0; j < n; j++) sum += T.Exp(resp[ri + j] - maxS);
                T lseS = maxS + T.Log(sum);
                T logQzx = resp[ri + i];
                for (int j = 0; j < n; j++) resp[ri + j] = T.Exp(resp[ri + j] - lseS);
                T logQz = lseS - logNB;
                T logProd = T.Zero, logP = T.Zero;
                for (int k = 0; k < dim; k++)
                {
                    T m = T.NegativeInfinity, acc = T.Zero;
                    for (int j = 0; j < n; j++)
                    {
                        T v = LogDensity(z, mean, logVar, i, j, k, dim, log2Pi);
                        if (v > m)
                        {
                            acc = acc * T.Exp(m - v) + T.One;
                            m = v;
                        }
                        else acc += T.Exp(v - m);
                    }
                    T l = m + T.Log(acc);
                    lse[(long)i * dim + k] = l;
                    logProd += l - logNB;
                    T zz = z[(long)i * dim + k];
                    logP -= Num<T>.Half * (zz * zz + log2Pi);
                }
                rowOut[i] = cMi * (logQzx - logQz) + cTc * (logQz - logProd) + cDw * (logProd - logP);
            }
    }

    /// <summary>
    /// dz_ik = beta·dz_ik + (g·scale)·[Σ_j G_ijk·A_ijk + c_dw·z_ik],  A_ijk = ∂L_ijk/∂z_ik = −(z_ik − μ_jk) e^{−v_jk},
    /// G_ijk = c_mi·[i = j] + (c_tc − c_mi)·a_ij + (c_dw − c_tc)·b_ijk,  b_ijk = e^{L_ijk − lse_ik}  (loop over rows)
    /// </summary>
    public static void BackwardZ<T>(Index1D t, Loop loop, ArrayView<T> z, ArrayView<T> mean, ArrayView<T> logVar, ArrayView<T> resp,
        ArrayView<T> lse, ArrayView<T> gradOut, ArrayView<T> dZ, int dim, int part, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)(z.Length / Math.Max(dim, 1));
        T gs = gradOut[0] * scale;
        T log2Pi = Num<T>.Log2Pi;
        T cMi = Coefficient<T>(part, 0), cTc = Coefficient<T>(part, 1), cDw = Coefficient<T>(part, 2);
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
                for (int k = 0; k < dim; k++)
                {
                    long ik = (long)i * dim + k;
                    T acc = cDw * z[ik];
                    for (int j = 0; j < n; j++)
                    {
                        long jk = (long)j * dim + k;
                        T g = Weight(z, mean, logVar, resp, lse, i, j, k, n, dim, cMi, cTc, cDw, log2Pi);
                        acc -= g * (z[ik] - mean[jk]) * T.Exp(-logVar[jk]);
                    }
                    Beta.Blend(dZ, ik, beta, gs * acc);
                }
    }

    /// <summary>
    /// dμ_jk = beta·dμ_jk + (g·scale)·Σ_i G_ijk (z_ik − μ_jk) e^{−v_jk};
    /// dv_jk = beta·dv_jk − (g·scale)·½ Σ_i G_ijk [1 − (z_ik − μ_jk)² e^{−v_jk}]  (G as in <see cref="BackwardZ{T}"/>; loop over rows j)
    /// </summary>
    public static void BackwardPosterior<T>(Index1D t, Loop loop, ArrayView<T> z, ArrayView<T> mean, ArrayView<T> logVar, ArrayView<T> resp,
        ArrayView<T> lse, ArrayView<T> gradOut, ArrayView<T> dMean, ArrayView<T> dLogVar, int dim, int part, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)(z.Length / Math.Max(dim, 1));
        T gs = gradOut[0] * scale;
        T log2Pi = Num<T>.Log2Pi;
        T cMi = Coefficient<T>(part, 0), cTc = Coefficient<T>(part, 1), cDw = Coefficient<T>(part, 2);
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int j = b, e = loop.End(b, n); j < e; j++)
                for (int k = 0; k < dim; k++)
                {
                    long jk = (long)j * dim + k;
                    T inv = T.Exp(-logVar[jk]);
                    T am = T.Zero, av = T.Zero;
                    for (int i = 0; i < n; i++)
                    {
                        T g = Weight(z, mean, logVar, resp, lse, i, j, k, n, dim, cMi, cTc, cDw, log2Pi);
                        T d = z[(long)i * dim + k] - mean[jk];
                        am += g * d * inv;
                        av -= g * (T.One - d * d * inv);
                    }
                    Beta.Blend(dMean, jk, beta, gs * am);
                    Beta.Blend(dLogVar, jk, beta, gs * Num<T>.Half * av);
                }
    }

    static T Coefficient<T>(int part, int which) where T : unmanaged, IFloatingPointIeee754<T> => part == which ? T.One : T.Zero;

    static T Weight<T>(ArrayView<T> z, ArrayView<T> mean, ArrayView<T> logVar, ArrayView<T> resp, ArrayView<T> lse,
        int i, int j, int k, int n, int dim, T cMi, T cTc, T cDw, T log2Pi)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T bk = T.Exp(LogDensity(z, mean, logVar, i, j, k, dim, log2Pi) - lse[(long)i * dim + k]);
        T g = (cTc - cMi) * resp[(long)i * n + j] + (cDw - cTc) * bk;
        return i == j ? g + cMi : g;
    }

    static T LogDensity<T>(ArrayView<T> z, ArrayView<T> mean, ArrayView<T> logVar, int i, int j, int k, int dim, T log2Pi)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long jk = (long)j * dim + k;
        T d = z[(long)i * dim + k] - mean[jk];
        T v = logVar[jk];
        return -Num<T>.Half * (d * d * T.Exp(-v) + v + log2Pi);
    }
}

/// <summary>The double-precision meaning of <see cref="TotalCorrelationKernels"/>, by plain sums over the B × B × d block.</summary>
public static class TotalCorrelationReference
{
    static double L(double[] z, double[] mean, double[] logVar, int i, int j, int k, int dim)
    {
        double d = z[i * dim + k] - mean[j * dim + k], v = logVar[j * dim + k];
        return -0.5 * (d * d * Math.Exp(-v) + v + Math.Log(2 * Math.PI));
    }

    static double Lse(IEnumerable<double> x)
    {
        var a = x.ToArray();
        double m = a.Max();
        return m + Math.Log(a.Sum(v => Math.Exp(v - m)));
    }

    /// <summary>(MI, TC, dimension-wise KL), each a mean over the B rows, for a training set of <paramref name="dataSize"/> images.</summary>
    public static (double Mi, double Tc, double DimensionWiseKl) Parts(double[] z, double[] mean, double[] logVar, int dim, int dataSize)
    {
        int n = z.Length / dim;
        double logNB = Math.Log((double)dataSize * n);
        double mi = 0, tc = 0, dw = 0;
        for (int i = 0; i < n; i++)
        {
            double logQzx = Enumerable.Range(0, dim).Sum(k => L(z, mean, logVar, i, i, k, dim));
            double logQz = Lse(Enumerable.Range(0, n).Select(j => Enumerable.Range(0, dim).Sum(k => L(z, mean, logVar, i, j, k, dim)))) - logNB;
            double logProd = Enumerable.Range(0, dim).Sum(k => Lse(Enumerable.Range(0, n).Select(j => L(z, mean, logVar, i, j, k, dim))) - logNB);
            double logP = Enumerable.Range(0, dim).Sum(k => -0.5 * (z[i * dim + k] * z[i * dim + k] + Math.Log(2 * Math.PI)));
            mi += logQzx - logQz;
            tc += logQz - logProd;
            dw += logProd - logP;
        }
        return (mi / n, tc / n, dw / n);
    }

    /// <summary>
    /// Gradients (dz, dμ, dlogσ²) of g·(c_mi·MI + c_tc·TC + c_dw·DW) with z, μ and logσ² independent inputs, by central
    /// differences of <see cref="Parts"/> in double (step 1e-6): the reference is the definition, not a second derivation.
    /// </summary>
    public static double[][] Grad(double[] z, double[] mean, double[] logVar, int dim, int dataSize, double cMi, double cTc, double cDw, double g)
    {
        double F(double[] zz, double[] mm, double[] vv)
        {
            var (mi, tc, dw) = Parts(zz, mm, vv, dim, dataSize);
            return g * (cMi * mi + cTc * tc + cDw * dw);
        }
        double[][] inputs = [z, mean, logVar];
        var result = inputs.Select(a => new double[a.Length]).ToArray();
        const double h = 1e-6;
        for (int which = 0; which < 3; which++)
            for (int p = 0; p < inputs[which].Length; p++)
            {
                var copies = inputs.Select(a => (double[])a.Clone()).ToArray();
                copies[which][p] += h;
                double up = F(copies[0], copies[1], copies[2]);
                copies[which][p] -= 2 * h;
                double down = F(copies[0], copies[1], copies[2]);
                result[which][p] = (up - down) / (2 * h);
            }
        return result;
    }
}
