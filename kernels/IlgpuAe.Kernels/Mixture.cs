namespace IlgpuAe.Kernels;

/// <summary>
/// A diagonal Gaussian mixture prior p(z) = Σ_k π_k N(z; m_k, diag e^{logσ²_k}), π = softmax(logits),
/// for the Monte-Carlo KL of a VAE with a GMM prior: KL ≈ log q(z|x) − log p(z) at the sampled z,
/// where −log q(z|x) is <see cref="LossKernels.GaussianNllForward{T}"/> with target z, and −log p(z)
/// is computed here. Parameters: means and logVars [K, dim], logits [K]. Forward also writes the
/// responsibilities γ_rk = π_k N(z_r; k) / p(z_r) [rows, K], which every backward kernel reads.
/// Backward kernels give derivatives of g·scale·Σ_r −log p(z_r) and accumulate with beta.
/// </summary>
public static class MixtureKernels
{
    /// <summary>
    /// ℓ_r = −log Σ_k exp(a_rk),  a_rk = log π_k − ½ Σ_j [(z_rj − m_kj)² e^{−logσ²_kj} + logσ²_kj + log 2π];
    /// γ_rk = exp(a_rk + ℓ_r)  (log-sum-exp around the largest a_rk; loop over rows)
    /// </summary>
    public static void GmmNegLogDensityForward<T>(Index1D t, Loop loop, ArrayView<T> z, ArrayView<T> means, ArrayView<T> logVars,
        ArrayView<T> logits, ArrayView<T> rowNegLogP, ArrayView<T> resp, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)rowNegLogP.Length;
        int k = (int)logits.Length;
        T logNorm = LogSumExp(logits);
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
            {
                // γ holds a_rk until the log-sum-exp is known: one evaluation of each component.
                long o = (long)r * k;
                T max = T.NegativeInfinity;
                for (int c = 0; c < k; c++)
                {
                    T a = logits[c] - logNorm + ComponentLogDensity(z, means, logVars, r, c, dim);
                    resp[o + c] = a;
                    if (a > max) max = a;
                }
                T sum = T.Zero;
                for (int c = 0; c < k; c++) sum += T.Exp(resp[o + c] - max);
                T logP = max + T.Log(sum);
                for (int c = 0; c < k; c++) resp[o + c] = T.Exp(resp[o + c] - logP);
                rowNegLogP[r] = -logP;
            }
    }

    /// <summary>dz_rj = beta·dz + g·scale·Σ_k γ_rk (z_rj − m_kj) e^{−logσ²_kj}  (loop over rows)</summary>
    public static void GmmNegLogDensityBackwardZ<T>(Index1D t, Loop loop, ArrayView<T> z, ArrayView<T> means, ArrayView<T> logVars,
        ArrayView<T> resp, ArrayView<T> gradOut, ArrayView<T> dZ, int dim, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)(z.Length / Math.Max(dim, 1));
        int k = (int)(means.Length / Math.Max(dim, 1));
        T gs = gradOut[0] * scale;
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
            {
                long o = (long)r * dim;
                for (int j = 0; j < dim; j++)
                {
                    T acc = T.Zero;
                    for (int c = 0; c < k; c++)
                    {
                        long p = (long)c * dim + j;
                        acc += resp[(long)r * k + c] * (z[o + j] - means[p]) * T.Exp(-logVars[p]);
                    }
                    T d = gs * acc;
                    Beta.Blend(dZ, o + j, beta, d);
                }
            }
    }

    /// <summary>
    /// dm_kj = beta·dm + g·scale·Σ_r γ_rk (m_kj − z_rj) e^{−logσ²_kj};
    /// dlogσ²_kj = beta·dlogσ² + g·scale·½ Σ_r γ_rk (1 − (z_rj − m_kj)² e^{−logσ²_kj})  (loop over the K·dim parameters)
    /// </summary>
    public static void GmmNegLogDensityBackwardParams<T>(Index1D t, Loop loop, ArrayView<T> z, ArrayView<T> means, ArrayView<T> logVars,
        ArrayView<T> resp, ArrayView<T> gradOut, ArrayView<T> dMeans, ArrayView<T> dLogVars, int dim, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)means.Length;
        int rows = (int)(z.Length / Math.Max(dim, 1));
        int k = n / Math.Max(dim, 1);
        T gs = gradOut[0] * scale;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int p = b, e = loop.End(b, n); p < e; p++)
            {
                int c = p / dim, j = p - c * dim;
                T m = means[p], inv = T.Exp(-logVars[p]);
                T am = T.Zero, al = T.Zero;
                for (int r = 0; r < rows; r++)
                {
                    T g = resp[(long)r * k + c];
                    T d = z[(long)r * dim + j] - m;
                    am -= g * d * inv;
                    al += g * (T.One - d * d * inv);
                }
                T dm = gs * am, dl = gs * Num<T>.Half * al;
                Beta.Blend(dMeans, p, beta, dm);
                Beta.Blend(dLogVars, p, beta, dl);
            }
    }

    /// <summary>dlogit_k = beta·dlogit + g·scale·Σ_r (π_k − γ_rk)  (loop over the K components)</summary>
    public static void GmmNegLogDensityBackwardLogits<T>(Index1D t, Loop loop, ArrayView<T> logits, ArrayView<T> resp,
        ArrayView<T> gradOut, ArrayView<T> dLogits, int rows, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = (int)logits.Length;
        T gs = gradOut[0] * scale;
        T logNorm = LogSumExp(logits);
        for (int b = loop.First(t); b < k; b += loop.Step)
            for (int c = b, e = loop.End(b, k); c < e; c++)
            {
                T pi = T.Exp(logits[c] - logNorm);
                T acc = T.Zero;
                for (int r = 0; r < rows; r++) acc += pi - resp[(long)r * k + c];
                T d = gs * acc;
                Beta.Blend(dLogits, c, beta, d);
            }
    }

    static T ComponentLogDensity<T>(ArrayView<T> z, ArrayView<T> means, ArrayView<T> logVars, int r, int c, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T acc = T.Zero;
        T log2Pi = Num<T>.Log2Pi;
        long o = (long)r * dim, p = (long)c * dim;
        for (int j = 0; j < dim; j++)
        {
            T d = z[o + j] - means[p + j];
            T lv = logVars[p + j];
            acc += d * d * T.Exp(-lv) + lv + log2Pi;
        }
        return -Num<T>.Half * acc;
    }

    static T LogSumExp<T>(ArrayView<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = T.NegativeInfinity;
        for (int i = 0; i < (int)x.Length; i++)
            if (x[i] > max) max = x[i];
        T sum = T.Zero;
        for (int i = 0; i < (int)x.Length; i++) sum += T.Exp(x[i] - max);
        return max + T.Log(sum);
    }
}

/// <summary>The double-precision meaning of <see cref="MixtureKernels"/>.</summary>
public static class MixtureReference
{
    static double LogSumExp(IEnumerable<double> x)
    {
        var a = x.ToArray();
        double max = a.Max();
        return max + Math.Log(a.Sum(v => Math.Exp(v - max)));
    }

    /// <summary>a_rk = log π_k + log N(z_r; m_k, diag e^{logσ²_k}).</summary>
    static double[,] Joint(double[] z, double[] means, double[] logVars, double[] logits, int dim)
    {
        int rows = z.Length / dim, k = logits.Length;
        double logNorm = LogSumExp(logits);
        var a = new double[rows, k];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < k; c++)
            {
                double acc = 0;
                for (int j = 0; j < dim; j++)
                {
                    double d = z[r * dim + j] - means[c * dim + j], lv = logVars[c * dim + j];
                    acc += d * d * Math.Exp(-lv) + lv + Math.Log(2 * Math.PI);
                }
                a[r, c] = logits[c] - logNorm - 0.5 * acc;
            }
        return a;
    }

    /// <summary>ℓ_r = −log Σ_k π_k N(z_r; m_k, diag e^{logσ²_k}), π = softmax(logits); z is [rows, dim], means and logVars [K, dim].</summary>
    public static double[] NegLogDensity(double[] z, double[] means, double[] logVars, double[] logits, int dim)
    {
        var a = Joint(z, means, logVars, logits, dim);
        return Enumerable.Range(0, z.Length / dim).Select(r => -LogSumExp(Enumerable.Range(0, logits.Length).Select(c => a[r, c]))).ToArray();
    }

    /// <summary>The gradients of g·Σ_r ℓ_r (<see cref="NegLogDensity"/>), in the order [dz, dmeans, dlogVars, dlogits].</summary>
    public static double[][] NegLogDensityGrad(double[] z, double[] means, double[] logVars, double[] logits, int dim, double g)
    {
        int rows = z.Length / dim, k = logits.Length;
        var a = Joint(z, means, logVars, logits, dim);
        double logNorm = LogSumExp(logits);
        double[] dz = new double[z.Length], dm = new double[means.Length], dl = new double[means.Length], dw = new double[k];
        for (int r = 0; r < rows; r++)
        {
            double lse = LogSumExp(Enumerable.Range(0, k).Select(c => a[r, c]));
            for (int c = 0; c < k; c++)
            {
                double gamma = Math.Exp(a[r, c] - lse);
                dw[c] += g * (Math.Exp(logits[c] - logNorm) - gamma);
                for (int j = 0; j < dim; j++)
                {
                    double d = z[r * dim + j] - means[c * dim + j], inv = Math.Exp(-logVars[c * dim + j]);
                    dz[r * dim + j] += g * gamma * d * inv;
                    dm[c * dim + j] -= g * gamma * d * inv;
                    dl[c * dim + j] += g * 0.5 * gamma * (1 - d * d * inv);
                }
            }
        }
        return [dz, dm, dl, dw];
    }
}
