namespace IlgpuAe.Kernels;

/// <summary>
/// Reconstruction losses over a batch laid out row-major [rows = batch, cols = features].
/// Forward kernels write one loss per row, summed over features in blocks and compensated
/// (<see cref="Blocked"/>; loop over rows); the engine reduces the rows. Backward kernels (loop over elements) recompute the gradient from the
/// inputs and multiply it by the upstream gradient g = gradOut[0] (a one-element device view,
/// so that no host round trip is needed) and by <c>scale</c> (1/rows for a batch mean).
/// Backward kernels accumulate: d = beta·d + ..., and beta = 0 never reads d.
/// </summary>
public static partial class LossKernels
{
    /// <summary>ℓ_r = Σ_c max(z,0) − z·x + log(1 + e^−|z|)  (z logits, x targets in [0,1]; never overflows)</summary>
    public static void BceWithLogitsForward<T>(Index1D t, Loop loop, ArrayView<T> logits, ArrayView<T> target,
        ArrayView<T> rowLoss, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)rowLoss.Length;
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
                rowLoss[r] = CompensatedSum<T>.OfBlocks(new BceTerms<T>(logits, target, (long)r * cols), cols);
    }

    readonly struct BceTerms<T>(ArrayView<T> logits, ArrayView<T> target, long o) : IBlockedTerms<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T Term(int c)
        {
            T z = logits[o + c];
            return (z > T.Zero ? z : T.Zero) - z * target[o + c] + T.Log(T.One + T.Exp(-T.Abs(z)));
        }
    }

    /// <summary>dz = beta·dz + g·scale·(σ(z) − x)</summary>
    public static void BceWithLogitsBackward<T>(Index1D t, Loop loop, ArrayView<T> logits, ArrayView<T> target,
        ArrayView<T> gradOut, ArrayView<T> dLogits, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)logits.Length;
        T gs = gradOut[0] * scale;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
                Beta.Blend(dLogits, i, beta, gs * (SigmoidAct<T>.Forward(logits[i], T.Zero) - target[i]));
    }

    /// <summary>ℓ_r = Σ_c (p − x)²  (the sum of squares over features, not their mean)</summary>
    public static void MseForward<T>(Index1D t, Loop loop, ArrayView<T> pred, ArrayView<T> target,
        ArrayView<T> rowLoss, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)rowLoss.Length;
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
                rowLoss[r] = CompensatedSum<T>.OfBlocks(new SquaredErrorTerms<T>(pred, target, (long)r * cols), cols);
    }

    readonly struct SquaredErrorTerms<T>(ArrayView<T> pred, ArrayView<T> target, long o) : IBlockedTerms<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T Term(int c)
        {
            T d = pred[o + c] - target[o + c];
            return d * d;
        }
    }

    /// <summary>dp = beta·dp + g·scale·2(p − x)</summary>
    public static void MseBackward<T>(Index1D t, Loop loop, ArrayView<T> pred, ArrayView<T> target,
        ArrayView<T> gradOut, ArrayView<T> dPred, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)pred.Length;
        T gs2 = gradOut[0] * scale * Num<T>.Two;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
                Beta.Blend(dPred, i, beta, gs2 * (pred[i] - target[i]));
    }

    /// <summary>ℓ_r = ½ Σ_c [(x − μ)² e^−logσ² + logσ² + log 2π]  (logσ² learned per element, same shape as μ)</summary>
    public static void GaussianNllForward<T>(Index1D t, Loop loop, ArrayView<T> mean, ArrayView<T> logVar,
        ArrayView<T> target, ArrayView<T> rowLoss, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)rowLoss.Length;
        T log2Pi = Num<T>.Log2Pi;
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
                rowLoss[r] = Num<T>.Half * CompensatedSum<T>.OfBlocks(new GaussianNllTerms<T>(mean, logVar, target, (long)r * cols, log2Pi), cols);
    }

    readonly struct GaussianNllTerms<T>(ArrayView<T> mean, ArrayView<T> logVar, ArrayView<T> target, long o, T log2Pi) : IBlockedTerms<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T Term(int c)
        {
            T d = target[o + c] - mean[o + c];
            T lv = logVar[o + c];
            return d * d * T.Exp(-lv) + lv + log2Pi;
        }
    }

    /// <summary>dμ = beta·dμ + g·scale·(μ − x)e^−logσ²;  dlogσ² = beta·dlogσ² + g·scale·½(1 − (x − μ)² e^−logσ²)</summary>
    public static void GaussianNllBackward<T>(Index1D t, Loop loop, ArrayView<T> mean, ArrayView<T> logVar,
        ArrayView<T> target, ArrayView<T> gradOut, ArrayView<T> dMean, ArrayView<T> dLogVar, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)mean.Length;
        T gs = gradOut[0] * scale;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                T d = mean[i] - target[i];
                T inv = T.Exp(-logVar[i]);
                T dm = gs * d * inv;
                T dl = gs * Num<T>.Half * (T.One - d * d * inv);
                Beta.Blend(dMean, i, beta, dm);
                Beta.Blend(dLogVar, i, beta, dl);
            }
    }

    /// <summary>ℓ_r = ½ Σ_c [(x − μ)² e^−logσ² + logσ² + log 2π]  (one fixed logσ² for every element)</summary>
    public static void GaussianNllFixedForward<T>(Index1D t, Loop loop, ArrayView<T> mean, ArrayView<T> target,
        ArrayView<T> rowLoss, int cols, T logVar)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)rowLoss.Length;
        T inv = T.Exp(-logVar);
        T constant = logVar + Num<T>.Log2Pi;
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
                rowLoss[r] = Num<T>.Half * CompensatedSum<T>.OfBlocks(new GaussianNllFixedTerms<T>(mean, target, (long)r * cols, inv, constant), cols);
    }

    readonly struct GaussianNllFixedTerms<T>(ArrayView<T> mean, ArrayView<T> target, long o, T inv, T constant) : IBlockedTerms<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T Term(int c)
        {
            T d = target[o + c] - mean[o + c];
            return d * d * inv + constant;
        }
    }

    /// <summary>dμ = beta·dμ + g·scale·(μ − x)e^−logσ²</summary>
    public static void GaussianNllFixedBackward<T>(Index1D t, Loop loop, ArrayView<T> mean, ArrayView<T> target,
        ArrayView<T> gradOut, ArrayView<T> dMean, T logVar, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)mean.Length;
        T gsInv = gradOut[0] * scale * T.Exp(-logVar);
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
                Beta.Blend(dMean, i, beta, gsInv * (mean[i] - target[i]));
    }

    // Value and gradient in one launch, for a loss whose gradient seed gs = d(objective)/dℓ·scale is known before the pass
    // (a loss term nothing else reads: the plan passes its weight). Two walks in one kernel: thread t sums rows of `rows`
    // as the forward kernel does and writes elements of `elements` as the backward kernel does (beta 0), so on every
    // backend the bits are those of the two launches they replace, and the gradient walk stays coalesced on a GPU.

    /// <summary>ℓ_r = Σ_c max(z,0) − z·x + log(1 + e^−|z|) (walk `rows`);  dz = gs·(σ(z) − x), overwritten (walk `elements`)</summary>
    public static void BceWithLogitsValueAndGrad<T>(Index1D t, Loop rows, Loop elements, ArrayView<T> logits, ArrayView<T> target,
        ArrayView<T> rowLoss, ArrayView<T> dLogits, int cols, T gs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t < rows.Threads) BceWithLogitsForward(t, rows, logits, target, rowLoss, cols);
        if (t >= elements.Threads) return;
        int n = (int)logits.Length;
        for (int b = elements.First(t); b < n; b += elements.Step)
            for (int i = b, e = elements.End(b, n); i < e; i++)
                dLogits[i] = gs * (SigmoidAct<T>.Forward(logits[i], T.Zero) - target[i]);
    }

    /// <summary>ℓ_r = Σ_c (p − x)² (walk `rows`);  dp = gs·2(p − x), overwritten (walk `elements`)</summary>
    public static void MseValueAndGrad<T>(Index1D t, Loop rows, Loop elements, ArrayView<T> pred, ArrayView<T> target,
        ArrayView<T> rowLoss, ArrayView<T> dPred, int cols, T gs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t < rows.Threads) MseForward(t, rows, pred, target, rowLoss, cols);
        if (t >= elements.Threads) return;
        int n = (int)pred.Length;
        T gs2 = gs * Num<T>.Two;
        for (int b = elements.First(t); b < n; b += elements.Step)
            for (int i = b, e = elements.End(b, n); i < e; i++)
                dPred[i] = gs2 * (pred[i] - target[i]);
    }

    /// <summary>
    /// ℓ_r = ½ Σ_c [(x − μ)² e^−logσ² + logσ² + log 2π] (walk `rows`);  dμ = gs·(μ − x)e^−logσ², dlogσ² = gs·½(1 − (x − μ)² e^−logσ²),
    /// overwritten (walk `elements`)
    /// </summary>
    public static void GaussianNllValueAndGrad<T>(Index1D t, Loop rows, Loop elements, ArrayView<T> mean, ArrayView<T> logVar,
        ArrayView<T> target, ArrayView<T> rowLoss, ArrayView<T> dMean, ArrayView<T> dLogVar, int cols, T gs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t < rows.Threads) GaussianNllForward(t, rows, mean, logVar, target, rowLoss, cols);
        if (t >= elements.Threads) return;
        int n = (int)mean.Length;
        for (int b = elements.First(t); b < n; b += elements.Step)
            for (int i = b, e = elements.End(b, n); i < e; i++)
            {
                T d = mean[i] - target[i];
                T inv = T.Exp(-logVar[i]);
                dMean[i] = gs * d * inv;
                dLogVar[i] = gs * Num<T>.Half * (T.One - d * d * inv);
            }
    }

    /// <summary>ℓ_r = ½ Σ_c [(x − μ)² e^−logσ² + logσ² + log 2π] with one fixed logσ² (walk `rows`);  dμ = gs·(μ − x)e^−logσ², overwritten (walk `elements`)</summary>
    public static void GaussianNllFixedValueAndGrad<T>(Index1D t, Loop rows, Loop elements, ArrayView<T> mean, ArrayView<T> target,
        ArrayView<T> rowLoss, ArrayView<T> dMean, int cols, T logVar, T gs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t < rows.Threads) GaussianNllFixedForward(t, rows, mean, target, rowLoss, cols, logVar);
        if (t >= elements.Threads) return;
        int n = (int)mean.Length;
        T gsInv = gs * T.Exp(-logVar);
        for (int b = elements.First(t); b < n; b += elements.Step)
            for (int i = b, e = elements.End(b, n); i < e; i++)
                dMean[i] = gsInv * (mean[i] - target[i]);
    }
}

/// <summary>The double-precision meaning of <see cref="LossKernels"/>: per-row losses and per-element gradients.</summary>
public static class LossReference
{
    static double[] Rows(int rows, int cols, Func<int, double> term) =>
        Enumerable.Range(0, rows).Select(r => Enumerable.Range(r * cols, cols).Sum(term)).ToArray();

    /// <summary>σ(z) = 1 / (1 + e^−z), evaluated from the side that does not overflow.</summary>
    public static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

    /// <summary>ℓ_r = Σ_c max(z,0) − z·x + log(1 + e^−|z|) per row of [rows, cols].</summary>
    public static double[] BceWithLogits(double[] z, double[] x, int rows, int cols) =>
        Rows(rows, cols, i => Math.Max(z[i], 0) - z[i] * x[i] + Math.Log(1 + Math.Exp(-Math.Abs(z[i]))));

    /// <summary>dz = g·(σ(z) − x) per element.</summary>
    public static double[] BceWithLogitsGrad(double[] z, double[] x, double g) =>
        z.Select((v, i) => g * (Sigmoid(v) - x[i])).ToArray();

    /// <summary>ℓ_r = Σ_c (p − x)² per row (a sum over features, not a mean).</summary>
    public static double[] Mse(double[] p, double[] x, int rows, int cols) =>
        Rows(rows, cols, i => (p[i] - x[i]) * (p[i] - x[i]));

    /// <summary>dp = g·2(p − x) per element.</summary>
    public static double[] MseGrad(double[] p, double[] x, double g) =>
        p.Select((v, i) => g * 2 * (v - x[i])).ToArray();

    /// <summary>ℓ_r = ½ Σ_c [(x − μ)² e^−logσ² + logσ² + log 2π] per row.</summary>
    public static double[] GaussianNll(double[] mu, double[] logVar, double[] x, int rows, int cols) =>
        Rows(rows, cols, i => 0.5 * ((x[i] - mu[i]) * (x[i] - mu[i]) * Math.Exp(-logVar[i]) + logVar[i] + Math.Log(2 * Math.PI)));

    /// <summary>dμ = g·(μ − x)e^−logσ²;  dlogσ² = g·½(1 − (x − μ)² e^−logσ²).</summary>
    public static (double[] dMean, double[] dLogVar) GaussianNllGrad(double[] mu, double[] logVar, double[] x, double g) =>
        (mu.Select((m, i) => g * (m - x[i]) * Math.Exp(-logVar[i])).ToArray(),
         mu.Select((m, i) => g * 0.5 * (1 - (x[i] - m) * (x[i] - m) * Math.Exp(-logVar[i]))).ToArray());
}
