namespace IlgpuAe.Kernels;

/// <summary>
/// Regularisers on a hidden code h [rows = batch, cols = units]. Their weight λ is the graph's
/// loss weight: it arrives through g = gradOut[0] like any upstream gradient, so the kernels carry
/// no λ. Same conventions as <see cref="LossKernels"/> (scale, beta; beta = 0 never reads).
/// </summary>
public static class PenaltyKernels
{
    /// <summary>ℓ_r = Σ_c |h[r,c]|  (L1 sparsity: the negative log of a Laplace prior, up to constants)</summary>
    public static void L1Forward<T>(Index1D t, Loop loop, ArrayView<T> h, ArrayView<T> rowPenalty, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)rowPenalty.Length;
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
            {
                T acc = T.Zero;
                long o = (long)r * cols;
                for (int c = 0; c < cols; c++) acc += T.Abs(h[o + c]);
                rowPenalty[r] = acc;
            }
    }

    /// <summary>dh = beta·dh + g·scale·sign(h)  (sign(0) = 0, the subgradient that keeps zeros at zero)</summary>
    public static void L1Backward<T>(Index1D t, Loop loop, ArrayView<T> h, ArrayView<T> gradOut, ArrayView<T> dH, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)h.Length;
        T gs = gradOut[0] * scale;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                T v = h[i];
                T d = v > T.Zero ? gs : v < T.Zero ? -gs : T.Zero;
                Beta.Blend(dH, i, beta, d);
            }
    }

    /// <summary>kl[c] = ρ log(ρ/ρ̂_c) + (1−ρ) log((1−ρ)/(1−ρ̂_c)),  ρ̂_c = mean_r h[r,c] ∈ (0,1)  (KL sparsity; loop over units)</summary>
    public static void KlSparsityForward<T>(Index1D t, Loop loop, ArrayView<T> h, ArrayView<T> unitKl, int rows, T rho)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int cols = (int)unitKl.Length;
        for (int b = loop.First(t); b < cols; b += loop.Step)
            for (int c = b, e = loop.End(b, cols); c < e; c++)
            {
                T rhoHat = ColumnMean(h, c, rows, cols, out _);
                unitKl[c] = rho * T.Log(rho / rhoHat) + (T.One - rho) * T.Log((T.One - rho) / (T.One - rhoHat));
            }
    }

    /// <summary>dh[r,c] = beta·dh + g·scale·(−ρ/ρ̂_c + (1−ρ)/(1−ρ̂_c))/rows  (loop over units; ρ̂ recomputed)</summary>
    public static void KlSparsityBackward<T>(Index1D t, Loop loop, ArrayView<T> h, ArrayView<T> gradOut, ArrayView<T> dH,
        int rows, T rho, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int cols = rows == 0 ? 0 : (int)(h.Length / rows);
        T gs = gradOut[0] * scale;
        for (int b = loop.First(t); b < cols; b += loop.Step)
            for (int c = b, e = loop.End(b, cols); c < e; c++)
            {
                T rhoHat = ColumnMean(h, c, rows, cols, out T count);
                T d = gs * ((T.One - rho) / (T.One - rhoHat) - rho / rhoHat) / count;
                for (int r = 0; r < rows; r++)
                {
                    long k = (long)r * cols + c;
                    Beta.Blend(dH, k, beta, d);
                }
            }
    }

    // The count is accumulated in T because kernels cannot convert an int to a generic T.
    static T ColumnMean<T>(ArrayView<T> h, int c, int rows, int cols, out T count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T acc = T.Zero;
        count = T.Zero;
        for (int r = 0; r < rows; r++)
        {
            acc += h[(long)r * cols + c];
            count += T.One;
        }
        return acc / count;
    }
}

/// <summary>The double-precision meaning of <see cref="PenaltyKernels"/>.</summary>
public static class PenaltyReference
{
    /// <summary>ℓ_r = Σ_c |h[r,c]| per row.</summary>
    public static double[] L1(double[] h, int rows, int cols) =>
        Enumerable.Range(0, rows).Select(r => Enumerable.Range(r * cols, cols).Sum(i => Math.Abs(h[i]))).ToArray();

    /// <summary>dh = g·sign(h), sign(0) = 0.</summary>
    public static double[] L1Grad(double[] h, double g) => h.Select(v => g * Math.Sign(v)).ToArray();

    static double ColumnMean(double[] h, int c, int rows, int cols) => Enumerable.Range(0, rows).Average(r => h[r * cols + c]);

    /// <summary>kl[c] = ρ log(ρ/ρ̂_c) + (1−ρ) log((1−ρ)/(1−ρ̂_c)), ρ̂_c the mean of column c: one value per unit.</summary>
    public static double[] KlSparsity(double[] h, int rows, int cols, double rho) =>
        Enumerable.Range(0, cols).Select(c =>
        {
            double q = ColumnMean(h, c, rows, cols);
            return rho * Math.Log(rho / q) + (1 - rho) * Math.Log((1 - rho) / (1 - q));
        }).ToArray();

    /// <summary>dh[r,c] = g·(−ρ/ρ̂_c + (1−ρ)/(1−ρ̂_c))/rows</summary>
    public static double[] KlSparsityGrad(double[] h, int rows, int cols, double rho, double g) =>
        h.Select((_, i) =>
        {
            double q = ColumnMean(h, i % cols, rows, cols);
            return g * (-rho / q + (1 - rho) / (1 - q)) / rows;
        }).ToArray();
}
