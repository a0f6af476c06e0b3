namespace IlgpuAe.Kernels;

/// <summary>
/// The importance-weighted bound of an IWAE (Burda et al. 2015): K reparameterised samples per image, laid out
/// sample-major (row k·B + b is sample k of image b, so the first B rows are one sample of every image),
/// log-weights log w = log p(x|z) + log p(z) − log q(z|x) per row, and the bound −(1/B)·Σ_b log (1/K)·Σ_k w_kb.
/// Per-row backward kernels read one upstream gradient per row (gradRows), because each sample's weight differs.
/// The likelihood kernels read a target of fewer rows as tiled the same way (row r scores target row r mod its rows), so the
/// K copies of an image need not be stored. Every backward write is <see cref="Beta.Blend{T}"/>.
/// </summary>
public static class ImportanceKernels
{
    /// <summary>y[k·n + i] = x[i] for k &lt; copies, n = x.Length  (K sample-major copies of a [rows, cols] block; loop over y)</summary>
    public static void TileForward<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)y.Length, m = (int)x.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++) y[i] = x[i % m];
    }

    /// <summary>dx[i] = beta·dx[i] + Σ_k dy[k·n + i]  (loop over x)</summary>
    public static void TileBackward<T>(Index1D t, Loop loop, ArrayView<T> dy, ArrayView<T> dx, int copies, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)dx.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                T acc = T.Zero;
                for (int k = 0; k < copies; k++) acc += dy[(long)k * n + i];
                Beta.Blend(dx, i, beta, acc);
            }
    }

    /// <summary>ℓ_r = Σ_c max(z,0) − z·x + log(1 + e^−|z|)  (−log Bernoulli(x; σ(z)) per row; loop over rows)</summary>
    public static void RowBernoulliNllForward<T>(Index1D t, Loop loop, ArrayView<T> logits, ArrayView<T> target, ArrayView<T> rowNll, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)rowNll.Length;
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
            {
                T acc = T.Zero;
                long o = (long)r * cols, to = o % target.Length;
                for (int c = 0; c < cols; c++)
                {
                    T z = logits[o + c];
                    acc += (z > T.Zero ? z : T.Zero) - z * target[to + c] + T.Log(T.One + T.Exp(-T.Abs(z)));
                }
                rowNll[r] = acc;
            }
    }

    /// <summary>dz_rc = beta·dz_rc + g_r·(σ(z_rc) − x_rc)  (loop over elements)</summary>
    public static void RowBernoulliNllBackward<T>(Index1D t, Loop loop, ArrayView<T> logits, ArrayView<T> target, ArrayView<T> gradRows,
        ArrayView<T> dLogits, int cols, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)logits.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                T z = logits[i];
                T s = z >= T.Zero ? T.One / (T.One + T.Exp(-z)) : T.Exp(z) / (T.One + T.Exp(z));
                Beta.Blend(dLogits, i, beta, gradRows[i / cols] * (s - target[i % target.Length]));
            }
    }

    /// <summary>
    /// ℓ_r = ½ Σ_c [(x − μ)² e^−v + v + log 2π], v = logσ² per element (learned != 0), or v = fixedLogVar for every
    /// element (learned == 0; logVar is then not read)  (loop over rows)
    /// </summary>
    public static void RowGaussianNllForward<T>(Index1D t, Loop loop, ArrayView<T> mean, ArrayView<T> logVar, ArrayView<T> target,
        ArrayView<T> rowNll, int cols, T fixedLogVar, int learned)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)rowNll.Length;
        bool fixedVar = learned == 0;
        T log2Pi = Num<T>.Log2Pi;
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
            {
                T acc = T.Zero;
                long o = (long)r * cols, to = o % target.Length;
                for (int c = 0; c < cols; c++)
                {
                    T v = fixedVar ? fixedLogVar : logVar[o + c];
                    T d = target[to + c] - mean[o + c];
                    acc += d * d * T.Exp(-v) + v + log2Pi;
                }
                rowNll[r] = Num<T>.Half * acc;
            }
    }

    /// <summary>dμ = beta·dμ + g_r·(μ − x) e^−v  (loop over elements; v learned or fixed as in the forward)</summary>
    public static void RowGaussianNllBackwardMean<T>(Index1D t, Loop loop, ArrayView<T> mean, ArrayView<T> logVar, ArrayView<T> target,
        ArrayView<T> gradRows, ArrayView<T> dMean, int cols, T fixedLogVar, int learned, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)mean.Length;
        bool fixedVar = learned == 0;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                T v = fixedVar ? fixedLogVar : logVar[i];
                Beta.Blend(dMean, i, beta, gradRows[i / cols] * (mean[i] - target[i % target.Length]) * T.Exp(-v));
            }
    }

    /// <summary>dv = beta·dv + g_r·½(1 − (x − μ)² e^−v)  (loop over elements; a learned v only)</summary>
    public static void RowGaussianNllBackwardLogVar<T>(Index1D t, Loop loop, ArrayView<T> mean, ArrayView<T> logVar, ArrayView<T> target,
        ArrayView<T> gradRows, ArrayView<T> dLogVar, int cols, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)mean.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                T d = target[i % target.Length] - mean[i];
                Beta.Blend(dLogVar, i, beta, gradRows[i / cols] * Num<T>.Half * (T.One - d * d * T.Exp(-logVar[i])));
            }
    }

    /// <summary>
    /// a_r = Σ_c ½(ε² − z²) + ½ logσ²  = log N(z; 0, I) − log N(z; μ, diag e^logσ²) at z = μ + e^{½logσ²}·ε
    /// (the log 2π terms cancel; loop over rows)
    /// </summary>
    public static void LogPriorRatioForward<T>(Index1D t, Loop loop, ArrayView<T> z, ArrayView<T> eps, ArrayView<T> logVar,
        ArrayView<T> rowRatio, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)rowRatio.Length;
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
            {
                T acc = T.Zero;
                long o = (long)r * cols;
                for (int c = 0; c < cols; c++)
                {
                    T ep = eps[o + c], zz = z[o + c];
                    acc += ep * ep - zz * zz + logVar[o + c];
                }
                rowRatio[r] = Num<T>.Half * acc;
            }
    }

    /// <summary>dz = beta·dz − g_r·z  (ε held fixed; loop over elements)</summary>
    public static void LogPriorRatioBackwardZ<T>(Index1D t, Loop loop, ArrayView<T> z, ArrayView<T> gradRows, ArrayView<T> dZ, int cols, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)z.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++) Beta.Blend(dZ, i, beta, -gradRows[i / cols] * z[i]);
    }

    /// <summary>dlogσ² = beta·dlogσ² + ½·g_r  (the log-determinant of q; loop over elements)</summary>
    public static void LogPriorRatioBackwardLogVar<T>(Index1D t, Loop loop, ArrayView<T> gradRows, ArrayView<T> dLogVar, int cols, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)dLogVar.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++) Beta.Blend(dLogVar, i, beta, Num<T>.Half * gradRows[i / cols]);
    }

    /// <summary>
    /// ℓ_b = −log (1/K) Σ_k e^{a_kb} = −(m_b + log Σ_k e^{a_kb − m_b} − log K), m_b = max_k a_kb;
    /// w̃_kb = e^{a_kb − m_b} / Σ_k e^{a_kb − m_b}, the normalised importance weights  (a sample-major [K·B];
    /// loop over the B images)
    /// </summary>
    public static void NegLogMeanExpForward<T>(Index1D t, Loop loop, ArrayView<T> a, ArrayView<T> rowOut, ArrayView<T> weights, int samples, T logSamples)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int images = (int)rowOut.Length;
        for (int b = loop.First(t); b < images; b += loop.Step)
            for (int r = b, e = loop.End(b, images); r < e; r++)
            {
                T max = T.NegativeInfinity;
                for (int k = 0; k < samples; k++)
                {
                    T v = a[(long)k * images + r];
                    if (v > max) max = v;
                }
                T sum = T.Zero;
                for (int k = 0; k < samples; k++)
                {
                    long i = (long)k * images + r;
                    T w = T.Exp(a[i] - max);
                    weights[i] = w;
                    sum += w;
                }
                for (int k = 0; k < samples; k++) weights[(long)k * images + r] /= sum;
                rowOut[r] = logSamples - max - T.Log(sum);
            }
    }

    /// <summary>da_kb = beta·da_kb − g·scale·w̃_kb  (loop over the K·B log-weights)</summary>
    public static void NegLogMeanExpBackward<T>(Index1D t, Loop loop, ArrayView<T> weights, ArrayView<T> gradOut, ArrayView<T> dA, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)weights.Length;
        T gs = gradOut[0] * scale;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++) Beta.Blend(dA, i, beta, -gs * weights[i]);
    }
}

/// <summary>The double-precision meaning of <see cref="ImportanceKernels"/>.</summary>
public static class ImportanceReference
{
    /// <summary>K sample-major copies of x.</summary>
    public static double[] Tile(double[] x, int copies) => Enumerable.Range(0, copies).SelectMany(_ => x).ToArray();

    /// <summary>dx[i] = Σ_k dy[k·n + i].</summary>
    public static double[] TileGrad(double[] dy, int copies)
    {
        int n = dy.Length / copies;
        return Enumerable.Range(0, n).Select(i => Enumerable.Range(0, copies).Sum(k => dy[k * n + i])).ToArray();
    }

    /// <summary>−log Bernoulli(x; σ(z)) summed over each row's columns; a shorter target is tiled (<see cref="Tile"/>) to the logits' rows first.</summary>
    public static double[] RowBernoulliNll(double[] logits, double[] target, int cols) => RowBernoulliNllTiled(logits, Tile(target, logits.Length / target.Length), cols);

    static double[] RowBernoulliNllTiled(double[] logits, double[] target, int cols) =>
        Enumerable.Range(0, logits.Length / cols).Select(r => Enumerable.Range(r * cols, cols)
            .Sum(i => Math.Log(1 + Math.Exp(-logits[i])) + (1 - target[i]) * logits[i])).ToArray();

    /// <summary>dz = g_r·(σ(z) − x).</summary>
    public static double[] RowBernoulliNllGrad(double[] logits, double[] target, double[] gradRows, int cols) =>
        logits.Select((z, i) => gradRows[i / cols] * (1 / (1 + Math.Exp(-z)) - target[i % target.Length])).ToArray();

    /// <summary>½ Σ_c [(x − μ)² e^−v + v + log 2π] per row; a one-element logVar is one fixed v for every element.</summary>
    public static double[] RowGaussianNll(double[] mean, double[] logVar, double[] target, int cols) =>
        Enumerable.Range(0, mean.Length / cols).Select(r => Enumerable.Range(r * cols, cols).Sum(i =>
        {
            double v = logVar.Length == 1 ? logVar[0] : logVar[i], d = target[i % target.Length] - mean[i];
            return 0.5 * (d * d * Math.Exp(-v) + v + Math.Log(2 * Math.PI));
        })).ToArray();

    /// <summary>(dμ, dv) of Σ_r g_r·ℓ_r (<see cref="RowGaussianNll"/>); dv is empty for a fixed v.</summary>
    public static (double[] dMean, double[] dLogVar) RowGaussianNllGrad(double[] mean, double[] logVar, double[] target, double[] gradRows, int cols)
    {
        double V(int i) => logVar.Length == 1 ? logVar[0] : logVar[i];
        var dm = mean.Select((m, i) => gradRows[i / cols] * (m - target[i % target.Length]) * Math.Exp(-V(i))).ToArray();
        var dv = logVar.Length == 1 ? [] : mean.Select((m, i) => gradRows[i / cols] * 0.5 * (1 - (target[i % target.Length] - m) * (target[i % target.Length] - m) * Math.Exp(-V(i)))).ToArray();
        return (dm, dv);
    }

    /// <summary>log N(z; 0, I) − log N(z; μ, diag e^v) per row, with μ = z − e^{v/2}·ε, written out in full (log 2π included).</summary>
    public static double[] LogPriorRatio(double[] z, double[] eps, double[] logVar, int cols) =>
        Enumerable.Range(0, z.Length / cols).Select(r => Enumerable.Range(r * cols, cols).Sum(i =>
        {
            double logP = -0.5 * (z[i] * z[i] + Math.Log(2 * Math.PI));
            double mu = z[i] - Math.Exp(0.5 * logVar[i]) * eps[i];
            double logQ = -0.5 * ((z[i] - mu) * (z[i] - mu) * Math.Exp(-logVar[i]) + logVar[i] + Math.Log(2 * Math.PI));
            return logP - logQ;
        })).ToArray();

    /// <summary>(dz, dlogσ²) of Σ_r g_r·a_r with ε held fixed: −g_r·z and ½·g_r.</summary>
    public static (double[] dZ, double[] dLogVar) LogPriorRatioGrad(double[] z, double[] gradRows, int cols) =>
        (z.Select((v, i) => -gradRows[i / cols] * v).ToArray(), z.Select((_, i) => 0.5 * gradRows[i / cols]).ToArray());

    /// <summary>ℓ_b = −log (1/K) Σ_k e^{a_kb} for sample-major a [K·B], by plain summation in double.</summary>
    public static double[] NegLogMeanExp(double[] a, int samples)
    {
        int images = a.Length / samples;
        return Enumerable.Range(0, images).Select(b =>
        {
            double max = Enumerable.Range(0, samples).Max(k => a[k * images + b]);
            return -(max + Math.Log(Enumerable.Range(0, samples).Average(k => Math.Exp(a[k * images + b] - max))));
        }).ToArray();
    }

    /// <summary>d/da of g·scale·Σ_b ℓ_b: −g·scale·softmax_k(a_·b).</summary>
    public static double[] NegLogMeanExpGrad(double[] a, int samples, double gScale)
    {
        int images = a.Length / samples;
        var d = new double[a.Length];
        for (int b = 0; b < images; b++)
        {
            double max = Enumerable.Range(0, samples).Max(k => a[k * images + b]);
            double sum = Enumerable.Range(0, samples).Sum(k => Math.Exp(a[k * images + b] - max));
            for (int k = 0; k < samples; k++) d[k * images + b] = -gScale * Math.Exp(a[k * images + b] - max) / sum;
        }
        return d;
    }
}
