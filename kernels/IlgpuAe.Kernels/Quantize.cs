namespace IlgpuAe.Kernels;

/// <summary>
/// Vector quantisation (VQ-VAE, van den Oord et al. 2017) of M code vectors z [M, D] against a codebook E [K, D]: the nearest
/// code k*(m) = argmin_k ‖z_m − e_k‖² = argmin_k (‖e_k‖² − 2·z_m·e_k) (the ‖z_m‖² term is the same for every k), the
/// products z·Eᵀ coming from the GEMM; the quantised vectors q_m = e_{k*(m)}; the scatter of their gradient back onto the
/// codebook; the codes' use counts, the batch's codebook usage and perplexity; and the EMA codebook update and dead-code
/// restart. Indices travel as T (exact below 2^24 codes), counted in T rather than converted (ILGPU compiles no integer to
/// float conversion of generic math): the kernels that read them loop over the codes and compare. Every kernel loops over its
/// rows or codes in a fixed order, so the results do not depend on the launch shape.
/// </summary>
public static class QuantizeKernels
{
    /// <summary>norm[k] = Σ_j E[k, j]²  (loop over codes)</summary>
    public static void CodeNorms<T>(Index1D t, Loop loop, ArrayView<T> codebook, ArrayView<T> norm, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = (int)norm.Length;
        for (int b = loop.First(t); b < k; b += loop.Step)
            for (int c = b, e = loop.End(b, k); c < e; c++)
            {
                T s = T.Zero;
                long o = (long)c * dim;
                for (int j = 0; j < dim; j++) s += codebook[o + j] * codebook[o + j];
                norm[c] = s;
            }
    }

    /// <summary>index[m] = argmin_k (norm[k] − 2·scores[m, k]), the smallest k among ties; 0 when every distance is NaN  (loop over rows)</summary>
    public static void Nearest<T>(Index1D t, Loop loop, ArrayView<T> scores, ArrayView<T> norm, ArrayView<T> index)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = (int)index.Length, k = (int)norm.Length;
        T two = T.One + T.One;
        for (int b = loop.First(t); b < m; b += loop.Step)
            for (int r = b, e = loop.End(b, m); r < e; r++)
            {
                long o = (long)r * k;
                T best = T.Zero, code = T.Zero;
                T bestDistance = T.PositiveInfinity;
                for (int c = 0; c < k; c++)
                {
                    T d = norm[c] - two * scores[o + c];
                    if (d < bestDistance)
                    {
                        bestDistance = d;
                        best = code;
                    }
                    code += T.One;
                }
                index[r] = best;
            }
    }

    /// <summary>q[m, j] = E[index[m], j]  (loop over codes, each writing the rows that chose it)</summary>
    public static void Gather<T>(Index1D t, Loop loop, ArrayView<T> codebook, ArrayView<T> index, ArrayView<T> q, int codes, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = (int)index.Length;
        for (int b = loop.First(t); b < codes; b += loop.Step)
        {
            T code = Count<T>(b);
            for (int c = b, e = loop.End(b, codes); c < e; c++, code += T.One)
            {
                long from = (long)c * dim;
                for (int r = 0; r < m; r++)
                    if (index[r] == code)
                        for (int j = 0; j < dim; j++) q[(long)r * dim + j] = codebook[from + j];
            }
        }
    }

    /// <summary>n as T, counted (0 + 1 + … + 1): exact below 2^24 in float.</summary>
    static T Count<T>(int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T v = T.Zero;
        for (int i = 0; i < n; i++) v += T.One;
        return v;
    }

    /// <summary>dE[k, j] = beta·dE[k, j] + Σ_{m: index[m] = k} dq[m, j], rows in order  (loop over codes; beta = 0 never reads dE)</summary>
    public static void Scatter<T>(Index1D t, Loop loop, ArrayView<T> dq, ArrayView<T> index, ArrayView<T> dCodebook, int codes, int dim, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = (int)index.Length;
        for (int b = loop.First(t); b < codes; b += loop.Step)
        {
            T code = Count<T>(b);
            for (int c = b, e = loop.End(b, codes); c < e; c++, code += T.One)
            {
                long o = (long)c * dim;
                for (int j = 0; j < dim; j++) dCodebook[o + j] = beta == T.Zero ? T.Zero : beta * dCodebook[o + j];
                for (int r = 0; r < m; r++)
                    if (index[r] == code)
                        for (int j = 0; j < dim; j++) dCodebook[o + j] += dq[(long)r * dim + j];
            }
        }
    }

    /// <summary>count[k] = #{m : index[m] = k}  (loop over codes)</summary>
    public static void Counts<T>(Index1D t, Loop loop, ArrayView<T> index, ArrayView<T> count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = (int)index.Length, k = (int)count.Length;
        for (int b = loop.First(t); b < k; b += loop.Step)
        {
            T code = Count<T>(b);
            for (int c = b, e = loop.End(b, k); c < e; c++, code += T.One)
            {
                T n = T.Zero;
                for (int r = 0; r < m; r++)
                    if (index[r] == code) n += T.One;
                count[c] = n;
            }
        }
    }

    /// <summary>
    /// usage[0] = #{k : count[k] &gt; 0} / K, perplexity[0] = exp(−Σ_k p_k ln p_k) with p_k = count[k] / Σ count (0·ln 0 = 0)
    /// (one thread)
    /// </summary>
    public static void Statistics<T>(Index1D t, ArrayView<T> count, ArrayView<T> usage, ArrayView<T> perplexity)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t != 0) return;
        int k = (int)count.Length;
        T total = T.Zero, used = T.Zero, entropy = T.Zero, all = T.Zero;
        for (int c = 0; c < k; c++)
        {
            total += count[c];
            all += T.One;
        }
        for (int c = 0; c < k; c++)
            if (count[c] > T.Zero)
            {
                used += T.One;
                T p = count[c] / total;
                entropy -= p * T.Log(p);
            }
        usage[0] = used / all;
        perplexity[0] = T.Exp(entropy);
    }

    /// <summary>
    /// N_k = γ·N_k + (1 − γ)·count[k], S_k = γ·S_k + (1 − γ)·Σ_{m: index[m] = k} z_m: the EMA codebook's running counts and
    /// sums (loop over codes)
    /// </summary>
    public static void EmaAccumulate<T>(Index1D t, Loop loop, ArrayView<T> z, ArrayView<T> index, ArrayView<T> count,
        ArrayView<T> emaCount, ArrayView<T> emaSum, int dim, T decay)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = (int)index.Length, k = (int)count.Length;
        T keep = T.One - decay;
        for (int b = loop.First(t); b < k; b += loop.Step)
        {
            T code = Count<T>(b);
            for (int c = b, e = loop.End(b, k); c < e; c++, code += T.One)
            {
                long o = (long)c * dim;
                emaCount[c] = decay * emaCount[c] + keep * count[c];
                for (int j = 0; j < dim; j++)
                {
                    T s = T.Zero;
                    for (int r = 0; r < m; r++)
                        if (index[r] == code) s += z[(long)r * dim + j];
                    emaSum[o + j] = decay * emaSum[o + j] + keep * s;
                }
            }
        }
    }

    /// <summary>
    /// e_k = S_k / Ñ_k with the Laplace-smoothed count Ñ_k = (N_k + ε)/(n + K·ε)·n, n = Σ_k N_k, for every code with N_k &gt; 0
    /// (a code never used keeps its value)  (loop over codes; each thread forms n itself, in order)
    /// </summary>
    public static void EmaNormalize<T>(Index1D t, Loop loop, ArrayView<T> emaCount, ArrayView<T> emaSum, ArrayView<T> codebook, int dim, T epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = (int)emaCount.Length;
        for (int b = loop.First(t); b < k; b += loop.Step)
        {
            T n = T.Zero, all = T.Zero;
            for (int c = 0; c < k; c++)
            {
                n += emaCount[c];
                all += T.One;
            }
            for (int c = b, e = loop.End(b, k); c < e; c++)
            {
                if (!(emaCount[c] > T.Zero)) continue;
                T smoothed = (emaCount[c] + epsilon) / (n + all * epsilon) * n;
                long o = (long)c * dim;
                for (int j = 0; j < dim; j++) codebook[o + j] = emaSum[o + j] / smoothed;
            }
        }
    }

    /// <summary>
    /// Dead-code restart: idle[k] = count[k] &gt; 0 ? 0 : idle[k] + 1; a code idle for <paramref name="after"/> steps takes the
    /// value of code vector z_r, r = (7919·k + step) mod M, and its idle count restarts at 0 (with EMA buffers, N_k = 1 and
    /// S_k = z_r, so that the EMA continues from it)  (loop over codes)
    /// </summary>
    public static void Restart<T>(Index1D t, Loop loop, ArrayView<T> z, ArrayView<T> count, ArrayView<T> idle, ArrayView<T> codebook,
        ArrayView<T> emaCount, ArrayView<T> emaSum, int rows, int dim, T after, long step, int ema)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = (int)count.Length;
        for (int b = loop.First(t); b < k; b += loop.Step)
            for (int c = b, e = loop.End(b, k); c < e; c++)
            {
                idle[c] = count[c] > T.Zero ? T.Zero : idle[c] + T.One;
                if (idle[c] < after) continue;
                long r = (7919L * c + step) % rows;
                long o = (long)c * dim, from = r * dim;
                for (int j = 0; j < dim; j++) codebook[o + j] = z[from + j];
                if (ema != 0)
                {
                    emaCount[c] = T.One;
                    for (int j = 0; j < dim; j++) emaSum[o + j] = z[from + j];
                }
                idle[c] = T.Zero;
            }
    }
}

/// <summary>The double-precision meaning of <see cref="QuantizeKernels"/>.</summary>
public static class QuantizeReference
{
    /// <summary>argmin_k ‖z_m − e_k‖² for each of the M rows of z [M, D] against E [K, D], the smallest k among ties.</summary>
    public static int[] Nearest(double[] z, double[] codebook, int rows, int codes, int dim)
    {
        var index = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            double best = double.PositiveInfinity;
            for (int c = 0; c < codes; c++)
            {
                double d = 0;
                for (int j = 0; j < dim; j++)
                {
                    double diff = z[r * dim + j] - codebook[c * dim + j];
                    d += diff * diff;
                }
                if (d < best) (best, index[r]) = (d, c);
            }
        }
        return index;
    }

    /// <summary>q[m] = E[index[m]].</summary>
    public static double[] Gather(double[] codebook, int[] index, int dim) =>
        index.SelectMany(k => codebook.AsSpan(k * dim, dim).ToArray()).ToArray();

    /// <summary>dE[k] = Σ_{m: index[m] = k} dq[m].</summary>
    public static double[] Scatter(double[] dq, int[] index, int codes, int dim)
    {
        var d = new double[codes * dim];
        for (int r = 0; r < index.Length; r++)
            for (int j = 0; j < dim; j++) d[index[r] * dim + j] += dq[r * dim + j];
        return d;
    }

    /// <summary>The use count of each code.</summary>
    public static double[] Counts(int[] index, int codes)
    {
        var n = new double[codes];
        foreach (int k in index) n[k]++;
        return n;
    }

    /// <summary>(fraction of codes used, exp of the entropy of the use frequencies).</summary>
    public static (double Usage, double Perplexity) Statistics(double[] count)
    {
        double total = count.Sum();
        double entropy = -count.Where(c => c > 0).Select(c => c / total).Sum(p => p * Math.Log(p));
        return (count.Count(c => c > 0) / (double)count.Length, Math.Exp(entropy));
    }

    /// <summary>One EMA step: the new (N, S) and the codebook (codes with N_k &gt; 0 set to S_k / Ñ_k).</summary>
    public static (double[] Count, double[] Sum, double[] Codebook) Ema(double[] z, int[] index, double[] emaCount, double[] emaSum, double[] codebook,
        int codes, int dim, double decay, double epsilon)
    {
        var count = Counts(index, codes);
        var n2 = emaCount.Select((v, k) => decay * v + (1 - decay) * count[k]).ToArray();
        var sums = new double[codes * dim];
        for (int r = 0; r < index.Length; r++)
            for (int j = 0; j < dim; j++) sums[index[r] * dim + j] += z[r * dim + j];
        var s2 = emaSum.Select((v, i) => decay * v + (1 - decay) * sums[i]).ToArray();
        double total = n2.Sum();
        var e2 = (double[])codebook.Clone();
        for (int k = 0; k < codes; k++)
        {
            if (!(n2[k] > 0)) continue;
            double smoothed = (n2[k] + epsilon) / (total + codes * epsilon) * total;
            for (int j = 0; j < dim; j++) e2[k * dim + j] = s2[k * dim + j] / smoothed;
        }
        return (n2, s2, e2);
    }
}
