namespace IlgpuAe.Kernels;

/// <summary>
/// KL divergences of a Gaussian posterior q from a prior p, per row of a batch [rows, dim].
/// Same conventions as <see cref="LossKernels"/>: forward writes one value per row (loop over
/// rows); backward multiplies by g = gradOut[0] and scale, and accumulates with beta (0 never reads).
/// </summary>
public static class DivergenceKernels
{
    /// <summary>KL_r = ½ Σ_c (μ² + e^{logσ²} − 1 − logσ²)  (q = N(μ, diag σ²), p = N(0, I))</summary>
    public static void KlDiagonalForward<T>(Index1D t, Loop loop, ArrayView<T> mean, ArrayView<T> logVar,
        ArrayView<T> rowKl, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)rowKl.Length;
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
                rowKl[r] = Num<T>.Half * CompensatedSum<T>.OfBlocks(new KlDiagonalTerms<T>(mean, logVar, (long)r * cols), cols);
    }

    readonly struct KlDiagonalTerms<T>(ArrayView<T> mean, ArrayView<T> logVar, long o) : IBlockedTerms<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T Term(int c)
        {
            T m = mean[o + c], lv = logVar[o + c];
            return m * m + T.Exp(lv) - T.One - lv;
        }
    }

    /// <summary>dμ = beta·dμ + g·scale·μ;  dlogσ² = beta·dlogσ² + g·scale·½(e^{logσ²} − 1)</summary>
    public static void KlDiagonalBackward<T>(Index1D t, Loop loop, ArrayView<T> mean, ArrayView<T> logVar,
        ArrayView<T> gradOut, ArrayView<T> dMean, ArrayView<T> dLogVar, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)mean.Length;
        T gs = gradOut[0] * scale;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                T dm = gs * mean[i];
                T dl = gs * Num<T>.Half * (T.Exp(logVar[i]) - T.One);
                Beta.Blend(dMean, i, beta, dm);
                Beta.Blend(dLogVar, i, beta, dl);
            }
    }

    /// <summary>KL_r = ½ Σ_c [logσp² − logσq² + (e^{logσq²} + (μq − μp)²)·e^{−logσp²} − 1]  (q, p both diagonal: a learned conditional prior)</summary>
    public static void KlDiagonalGaussiansForward<T>(Index1D t, Loop loop, ArrayView<T> meanQ, ArrayView<T> logVarQ,
        ArrayView<T> meanP, ArrayView<T> logVarP, ArrayView<T> rowKl, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)rowKl.Length;
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
                rowKl[r] = Num<T>.Half * CompensatedSum<T>.OfBlocks(new KlDiagonalGaussiansTerms<T>(meanQ, logVarQ, meanP, logVarP, (long)r * cols), cols);
    }

    readonly struct KlDiagonalGaussiansTerms<T>(ArrayView<T> meanQ, ArrayView<T> logVarQ, ArrayView<T> meanP, ArrayView<T> logVarP, long o)
        : IBlockedTerms<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T Term(int c)
        {
            long i = o + c;
            T d = meanQ[i] - meanP[i];
            return logVarP[i] - logVarQ[i] + (T.Exp(logVarQ[i]) + d * d) * T.Exp(-logVarP[i]) - T.One;
        }
    }

    /// <summary>
    /// dμq = g·s·(μq − μp)e^{−logσp²} = −dμp;  dlogσq² = g·s·½(e^{logσq² − logσp²} − 1);
    /// dlogσp² = g·s·½(1 − (e^{logσq²} + (μq − μp)²)e^{−logσp²});  each as d = beta·d + ...
    /// </summary>
    public static void KlDiagonalGaussiansBackward<T>(Index1D t, Loop loop, ArrayView<T> meanQ, ArrayView<T> logVarQ,
        ArrayView<T> meanP, ArrayView<T> logVarP, ArrayView<T> gradOut,
        ArrayView<T> dMeanQ, ArrayView<T> dLogVarQ, ArrayView<T> dMeanP, ArrayView<T> dLogVarP, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)meanQ.Length;
        T gs = gradOut[0] * scale;
        T half = Num<T>.Half;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                T d = meanQ[i] - meanP[i];
                T invP = T.Exp(-logVarP[i]);
                T varQ = T.Exp(logVarQ[i]);
                T dmq = gs * d * invP;
                T dlq = gs * half * (varQ * invP - T.One);
                T dlp = gs * half * (T.One - (varQ + d * d) * invP);
                Beta.Blend(dMeanQ, i, beta, dmq);
                Beta.Blend(dMeanP, i, beta, -dmq); // beta·d − dmq is beta·d + (−dmq) exactly
                Beta.Blend(dLogVarQ, i, beta, dlq);
                Beta.Blend(dLogVarP, i, beta, dlp);
            }
    }

    /// <summary>KL_r = ½ [Σ_{j≤i} L_ij² + Σ_i μ_i² − dim − 2 Σ_i log|L_ii|]  (q = N(μ, LLᵀ), L lower-triangular [rows, dim, dim]; p = N(0, I))</summary>
    public static void KlLowerTriangularForward<T>(Index1D t, Loop loop, ArrayView<T> mean, ArrayView<T> l,
        ArrayView<T> rowKl, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)rowKl.Length;
        T two = Num<T>.Two;
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
            {
                // One compensated fold per row of L: dim² terms in all.
                var acc = new CompensatedSum<T>();
                long o = (long)r * dim, lo = o * dim;
                for (int i = 0; i < dim; i++)
                {
                    T m = mean[o + i];
                    T part = m * m - T.One;
                    for (int j = 0; j <= i; j++)
                    {
                        T v = l[lo + (long)i * dim + j];
                        part += v * v;
                    }
                    part -= two * T.Log(T.Abs(l[lo + (long)i * dim + i]));
                    acc.Add(part);
                }
                rowKl[r] = Num<T>.Half * acc.Value;
            }
    }

    /// <summary>dμ = beta·dμ + g·s·μ;  dL_ij = beta·dL + g·s·(L_ij − [i = j]/L_ii) for j ≤ i, 0 above the diagonal  (loop over rows)</summary>
    public static void KlLowerTriangularBackward<T>(Index1D t, Loop loop, ArrayView<T> mean, ArrayView<T> l,
        ArrayView<T> gradOut, ArrayView<T> dMean, ArrayView<T> dL, int dim, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)(mean.Length / Math.Max(dim, 1));
        T gs = gradOut[0] * scale;
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
            {
                long o = (long)r * dim, lo = o * dim;
                for (int i = 0; i < dim; i++)
                {
                    T dm = gs * mean[o + i];
                    Beta.Blend(dMean, o + i, beta, dm);
                    for (int j = 0; j < dim; j++)
                    {
                        long k = lo + (long)i * dim + j;
                        T v = l[k];
                        T d = j < i ? gs * v : j == i ? gs * (v - T.One / v) : T.Zero;
                        Beta.Blend(dL, k, beta, d);
                    }
                }
            }
    }

    // Value and gradient in one launch, for a KL term whose gradient seed gs = d(objective)/dKL·scale is known before the
    // pass (nothing else reads the term; the plan passes its weight). Thread t walks rows of `rows` as the forward kernel
    // does and the gradient as the backward kernel does (beta 0), so the bits are those of the two launches replaced.

    /// <summary>KL_r = ½ Σ_c (μ² + e^{logσ²} − 1 − logσ²) (walk `rows`);  dμ = gs·μ, dlogσ² = gs·½(e^{logσ²} − 1), overwritten (walk `elements`)</summary>
    public static void KlDiagonalValueAndGrad<T>(Index1D t, Loop rows, Loop elements, ArrayView<T> mean, ArrayView<T> logVar,
        ArrayView<T> rowKl, ArrayView<T> dMean, ArrayView<T> dLogVar, int cols, T gs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t < rows.Threads) KlDiagonalForward(t, rows, mean, logVar, rowKl, cols);
        if (t >= elements.Threads) return;
        int n = (int)mean.Length;
        for (int b = elements.First(t); b < n; b += elements.Step)
            for (int i = b, e = elements.End(b, n); i < e; i++)
            {
                dMean[i] = gs * mean[i];
                dLogVar[i] = gs * Num<T>.Half * (T.Exp(logVar[i]) - T.One);
            }
    }

    /// <summary>
    /// KL_r(q ‖ p) of two diagonal Gaussians (walk `rows`);  dμq = gs·(μq − μp)e^{−logσp²} = −dμp, dlogσq² = gs·½(e^{logσq² − logσp²} − 1),
    /// dlogσp² = gs·½(1 − (e^{logσq²} + (μq − μp)²)e^{−logσp²}), overwritten (walk `elements`)
    /// </summary>
    public static void KlDiagonalGaussiansValueAndGrad<T>(Index1D t, Loop rows, Loop elements, ArrayView<T> meanQ, ArrayView<T> logVarQ,
        ArrayView<T> meanP, ArrayView<T> logVarP, ArrayView<T> rowKl,
        ArrayView<T> dMeanQ, ArrayView<T> dLogVarQ, ArrayView<T> dMeanP, ArrayView<T> dLogVarP, int cols, T gs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t < rows.Threads) KlDiagonalGaussiansForward(t, rows, meanQ, logVarQ, meanP, logVarP, rowKl, cols);
        if (t >= elements.Threads) return;
        int n = (int)meanQ.Length;
        T half = Num<T>.Half;
        for (int b = elements.First(t); b < n; b += elements.Step)
            for (int i = b, e = elements.End(b, n); i < e; i++)
            {
                T d = meanQ[i] - meanP[i];
                T invP = T.Exp(-logVarP[i]);
                T varQ = T.Exp(logVarQ[i]);
                T dmq = gs * d * invP;
                dMeanQ[i] = dmq;
                dMeanP[i] = -dmq;
                dLogVarQ[i] = gs * half * (varQ * invP - T.One);
                dLogVarP[i] = gs * half * (T.One - (varQ + d * d) * invP);
            }
    }

    /// <summary>
    /// KL_r = ½ [Σ_{j≤i} L_ij² + Σ_i μ_i² − dim − 2 Σ_i log|L_ii|];  dμ = gs·μ, dL_ij = gs·(L_ij − [i = j]/L_ii) for j ≤ i and 0 above
    /// the diagonal, overwritten  (both walk `rows`, as the two kernels replaced do)
    /// </summary>
    public static void KlLowerTriangularValueAndGrad<T>(Index1D t, Loop rows, ArrayView<T> mean, ArrayView<T> l,
        ArrayView<T> rowKl, ArrayView<T> dMean, ArrayView<T> dL, int dim, T gs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t >= rows.Threads) return;
        KlLowerTriangularForward(t, rows, mean, l, rowKl, dim);
        int count = (int)rowKl.Length;
        for (int b = rows.First(t); b < count; b += rows.Step)
            for (int r = b, e = rows.End(b, count); r < e; r++)
            {
                long o = (long)r * dim, lo = o * dim;
                for (int i = 0; i < dim; i++)
                {
                    dMean[o + i] = gs * mean[o + i];
                    for (int j = 0; j < dim; j++)
                    {
                        long k = lo + (long)i * dim + j;
                        T v = l[k];
                        dL[k] = j < i ? gs * v : j == i ? gs * (v - T.One / v) : T.Zero;
                    }
                }
            }
    }
}

/// <summary>The double-precision meaning of <see cref="DivergenceKernels"/>.</summary>
public static class DivergenceReference
{
    static double[] Rows(int rows, int cols, Func<int, double> term) =>
        Enumerable.Range(0, rows).Select(r => Enumerable.Range(r * cols, cols).Sum(term)).ToArray();

    /// <summary>KL_r = ½ Σ_c (μ² + e^{logσ²} − 1 − logσ²) per row of [rows, cols].</summary>
    public static double[] KlDiagonal(double[] mu, double[] lv, int rows, int cols) =>
        Rows(rows, cols, i => 0.5 * (mu[i] * mu[i] + Math.Exp(lv[i]) - 1 - lv[i]));

    /// <summary>(dμ, dlogσ²) = g·(μ, ½(e^{logσ²} − 1)) per element.</summary>
    public static (double[] dMean, double[] dLogVar) KlDiagonalGrad(double[] mu, double[] lv, double g) =>
        (mu.Select(m => g * m).ToArray(), lv.Select(v => g * 0.5 * (Math.Exp(v) - 1)).ToArray());

    /// <summary>KL_r(q ‖ p) = ½ Σ_c [logσp² − logσq² + (e^{logσq²} + (μq − μp)²)·e^{−logσp²} − 1] per row.</summary>
    public static double[] KlDiagonalGaussians(double[] mq, double[] lq, double[] mp, double[] lp, int rows, int cols) =>
        Rows(rows, cols, i => 0.5 * (lp[i] - lq[i] + (Math.Exp(lq[i]) + (mq[i] - mp[i]) * (mq[i] - mp[i])) * Math.Exp(-lp[i]) - 1));

    /// <summary>The gradients of <see cref="KlDiagonalGaussians"/> times g, in the order [dμq, dlogσq², dμp, dlogσp²].</summary>
    public static double[][] KlDiagonalGaussiansGrad(double[] mq, double[] lq, double[] mp, double[] lp, double g)
    {
        var dmq = mq.Select((m, i) => g * (m - mp[i]) * Math.Exp(-lp[i])).ToArray();
        return
        [
            dmq,
            lq.Select((v, i) => g * 0.5 * (Math.Exp(v - lp[i]) - 1)).ToArray(),
            dmq.Select(v => -v).ToArray(),
            lp.Select((v, i) => g * 0.5 * (1 - (Math.Exp(lq[i]) + (mq[i] - mp[i]) * (mq[i] - mp[i])) * Math.Exp(-v))).ToArray(),
        ];
    }

    /// <summary>KL_r = ½ [Σ_{j≤i} L_ij² + Σ_i μ_i² − dim − 2 Σ_i log|L_ii|] per row; L is [rows, dim, dim], entries above the diagonal ignored.</summary>
    public static double[] KlLowerTriangular(double[] mu, double[] l, int rows, int dim) =>
        Enumerable.Range(0, rows).Select(r =>
        {
            double acc = 0;
            for (int i = 0; i < dim; i++)
            {
                acc += mu[r * dim + i] * mu[r * dim + i] - 1 - 2 * Math.Log(Math.Abs(l[(r * dim + i) * dim + i]));
                for (int j = 0; j <= i; j++) acc += l[(r * dim + i) * dim + j] * l[(r * dim + i) * dim + j];
            }
            return 0.5 * acc;
        }).ToArray();

    /// <summary>dμ = g·μ;  dL_ij = g·(L_ij − [i = j]/L_ii) for j ≤ i and 0 above the diagonal.</summary>
    public static (double[] dMean, double[] dL) KlLowerTriangularGrad(double[] mu, double[] l, int dim, double g)
    {
        var dl = new double[l.Length];
        for (int r = 0; r < mu.Length / dim; r++)
            for (int i = 0; i < dim; i++)
                for (int j = 0; j <= i; j++)
                {
                    int k = (r * dim + i) * dim + j;
                    dl[k] = g * (l[k] - (i == j ? 1 / l[k] : 0));
                }
        return (mu.Select(m => g * m).ToArray(), dl);
    }
}
