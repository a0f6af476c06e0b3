namespace IlgpuAe.Kernels;

/// <summary>
/// The pieces of a Gaussian posterior q(z|x) that the sampling and divergence kernels do not
/// cover: the lower-triangular factor L built from an unconstrained encoder output (positive
/// diagonal through softplus), and −log q(z|x) at a reparameterised sample z = μ + B·ε, which
/// with ε held fixed is ½‖ε‖² + (d/2)·log 2π + log|det B| and so depends on B's diagonal only.
/// Layouts as in <see cref="SamplingKernels"/>; backward kernels accumulate with beta (0 never reads).
/// </summary>
public static class PosteriorKernels
{
    /// <summary>L[r,i,j] = raw for j &lt; i;  softplus(raw) + floor for j = i;  0 for j &gt; i  (loop over elements)</summary>
    public static void TriangularFactorForward<T>(Index1D t, Loop loop, ArrayView<T> raw, ArrayView<T> l, int dim, T floor)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)raw.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int k = b, e = loop.End(b, n); k < e; k++)
            {
                int within = k % (dim * dim);
                int i = within / dim, j = within - i * dim;
                T v = raw[k];
                l[k] = j < i ? v : j == i ? SoftplusAct<T>.Forward(v, T.Zero) + floor : T.Zero;
            }
    }

    /// <summary>draw = beta·draw + dL for j &lt; i;  dL·σ(raw) for j = i;  0 for j &gt; i</summary>
    public static void TriangularFactorBackward<T>(Index1D t, Loop loop, ArrayView<T> raw, ArrayView<T> dL, ArrayView<T> dRaw,
        int dim, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)raw.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int k = b, e = loop.End(b, n); k < e; k++)
            {
                int within = k % (dim * dim);
                int i = within / dim, j = within - i * dim;
                T d = j < i ? dL[k] : j == i ? dL[k] * SigmoidAct<T>.Forward(raw[k], T.Zero) : T.Zero;
                Beta.Blend(dRaw, k, beta, d);
            }
    }

    /// <summary>ℓ_r = ½ Σ_j (ε_rj² + log 2π + logσ²_rj)  (−log q(z|x) of a diagonal posterior at z = μ + σ·ε; loop over rows)</summary>
    public static void NegLogQDiagonalForward<T>(Index1D t, Loop loop, ArrayView<T> eps, ArrayView<T> logVar,
        ArrayView<T> rowOut, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)rowOut.Length;
        T log2Pi = Num<T>.Log2Pi;
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
            {
                T acc = T.Zero;
                long o = (long)r * dim;
                for (int j = 0; j < dim; j++) acc += eps[o + j] * eps[o + j] + log2Pi + logVar[o + j];
                rowOut[r] = Num<T>.Half * acc;
            }
    }

    /// <summary>dlogσ² = beta·dlogσ² + g·scale·½  (ε fixed: only the log-determinant moves)</summary>
    public static void NegLogQDiagonalBackward<T>(Index1D t, Loop loop, ArrayView<T> gradOut, ArrayView<T> dLogVar, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)dLogVar.Length;
        T d = gradOut[0] * scale * Num<T>.Half;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++) Beta.Blend(dLogVar, i, beta, d);
    }

    /// <summary>ℓ_r = Σ_i [½ε_ri² + ½log 2π + log|L_rii|]  (−log q(z|x) of a full-covariance posterior at z = μ + L·ε; loop over rows)</summary>
    public static void NegLogQLowerTriangularForward<T>(Index1D t, Loop loop, ArrayView<T> eps, ArrayView<T> l,
        ArrayView<T> rowOut, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)rowOut.Length;
        T half = Num<T>.Half;
        T log2Pi = Num<T>.Log2Pi;
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
            {
                T acc = T.Zero;
                long o = (long)r * dim, lo = o * dim;
                for (int i = 0; i < dim; i++)
                    acc += half * (eps[o + i] * eps[o + i] + log2Pi) + T.Log(T.Abs(l[lo + (long)i * dim + i]));
                rowOut[r] = acc;
            }
    }

    /// <summary>dL_ii = beta·dL + g·scale/L_ii on the diagonal, beta·dL off it  (loop over elements)</summary>
    public static void NegLogQLowerTriangularBackward<T>(Index1D t, Loop loop, ArrayView<T> l, ArrayView<T> gradOut,
        ArrayView<T> dL, int dim, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)l.Length;
        T gs = gradOut[0] * scale;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int k = b, e = loop.End(b, n); k < e; k++)
            {
                int within = k % (dim * dim);
                int i = within / dim, j = within - i * dim;
                T d = j == i ? gs / l[k] : T.Zero;
                Beta.Blend(dL, k, beta, d);
            }
    }
}

/// <summary>The double-precision meaning of <see cref="PosteriorKernels"/>.</summary>
public static class PosteriorReference
{
    static double Softplus(double v) => Math.Max(v, 0) + Math.Log(1 + Math.Exp(-Math.Abs(v)));

    /// <summary>L[r,i,j] = raw for j &lt; i;  softplus(raw) + floor for j = i;  0 for j &gt; i  (raw and L [rows, dim·dim], each row a row-major dim×dim matrix)</summary>
    public static double[] TriangularFactor(double[] raw, int dim, double floor) =>
        raw.Select((v, k) =>
        {
            int i = k % (dim * dim) / dim, j = k % dim;
            return j < i ? v : j == i ? Softplus(v) + floor : 0;
        }).ToArray();

    /// <summary>ℓ_r = ½ Σ_j (ε_rj² + log 2π + logσ²_rj), one −log q(z|x) in nats per row; ε and logσ² are [rows, dim].</summary>
    public static double[] NegLogQDiagonal(double[] eps, double[] logVar, int dim) =>
        Enumerable.Range(0, eps.Length / dim).Select(r =>
            Enumerable.Range(r * dim, dim).Sum(i => 0.5 * (eps[i] * eps[i] + Math.Log(2 * Math.PI) + logVar[i]))).ToArray();

    /// <summary>ℓ_r = Σ_i [½ε_ri² + ½log 2π + log|L_rii|], one −log q(z|x) in nats per row; ε is [rows, dim], L [rows, dim·dim].</summary>
    public static double[] NegLogQLowerTriangular(double[] eps, double[] l, int dim) =>
        Enumerable.Range(0, eps.Length / dim).Select(r =>
            Enumerable.Range(0, dim).Sum(i =>
                0.5 * (eps[r * dim + i] * eps[r * dim + i] + Math.Log(2 * Math.PI)) + Math.Log(Math.Abs(l[(r * dim + i) * dim + i])))).ToArray();
}
