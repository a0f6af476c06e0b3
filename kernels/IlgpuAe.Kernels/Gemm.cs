namespace IlgpuAe.Kernels;

/// <summary>
/// Shape and scalars of one GEMM C = act(alpha·op(A)·op(B) + beta·C + bias), row-major.
/// Transposes arrive as strides, so one kernel body serves all four combinations:
/// op(A)[i,p] = a[i·AStrideRow + p·AStrideK], op(B)[p,j] = b[p·BStrideK + j·BStrideCol].
/// </summary>
public readonly struct GemmShape<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>C is [M, N]; K is the inner dimension of op(A) [M, K]·op(B) [K, N].</summary>
    public readonly int M, N, K;
    /// <summary>Element strides: op(A)[i,p] = a[i·AStrideRow + p·AStrideK], op(B)[p,j] = b[p·BStrideK + j·BStrideCol].</summary>
    public readonly int AStrideRow, AStrideK, BStrideK, BStrideCol;
    /// <summary>Scale of the product, of the old C (0: C is never read), and the activation's parameter <c>a</c>.</summary>
    public readonly T Alpha, Beta, ActParam;
    /// <summary>
    /// Which operands the GPU body may read in aligned quads (<see cref="GemmKernels.QuadsA"/>, <see cref="GemmKernels.QuadsB"/>):
    /// set by the launcher, which alone can see the addresses; 0 (element loads) unless <see cref="WithQuads"/> says otherwise.
    /// </summary>
    public readonly int Quads;

    /// <summary>Shape of C = act(alpha·op(A)·op(B) + beta·C + bias) with row-major A [m, k] (or [k, m] if <paramref name="transA"/>) and B [k, n] (or [n, k] if <paramref name="transB"/>).</summary>
    public GemmShape(bool transA, bool transB, int m, int n, int k, T alpha, T beta, T actParam)
    {
        M = m; N = n; K = k;
        // A is stored [m,k], or [k,m] when transposed; B is [k,n], or [n,k] when transposed.
        AStrideRow = transA ? 1 : k;
        AStrideK = transA ? m : 1;
        BStrideK = transB ? 1 : n;
        BStrideCol = transB ? k : 1;
        Alpha = alpha; Beta = beta; ActParam = actParam;
        Quads = 0;
    }

    GemmShape(in GemmShape<T> s, int quads)
    {
        this = s;
        Quads = quads;
    }

    /// <summary>This shape with <see cref="Quads"/> set to <paramref name="quads"/>.</summary>
    public GemmShape<T> WithQuads(int quads) => new(this, quads);
}

/// <summary>The GEMM kernels: a CPU body, a float SIMD CPU body and a tiled GPU body, one epilogue.</summary>
public static partial class GemmKernels
{
    /// <summary>
    /// C[i,j] = act(alpha·acc + beta·C[i,j] + bias[j]); C is not read when beta == 0, so that a
    /// fresh (even NaN-filled) output buffer needs no clearing. An empty bias view means none.
    /// </summary>
    static void Store<T, TAct>(in GemmShape<T> s, ArrayView<T> c, ArrayView<T> bias, int i, int j, T acc)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TAct : struct, IActivation<T>
    {
        if (i >= s.M || j >= s.N) return;
        long idx = (long)i * s.N + j;
        T v = s.Alpha * acc;
        if (s.Beta != T.Zero) v += s.Beta * c[idx];
        if (bias.Length > 0) v += bias[j];
        c[idx] = TAct.Forward(v, s.ActParam);
    }
}

/// <summary>The plain double-precision GEMM every GEMM kernel is held against.</summary>
public static class GemmReference
{
    /// <summary>
    /// C[i,j] = act(alpha·Σ_p op(A)[i,p]·op(B)[p,j] + beta·C[i,j] + bias[j]), row-major; A is [m,k]
    /// (or [k,m] when transA), B is [k,n] (or [n,k] when transB). C is not read when beta == 0.
    /// </summary>
    public static void Run(bool transA, bool transB, int m, int n, int k, double alpha, double[] a, double[] b,
        double beta, double[] c, double[]? bias = null, Activation activation = Activation.Identity,
        double activationParam = 0)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                    sum += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
                double v = alpha * sum;
                if (beta != 0) v += beta * c[i * n + j];
                if (bias is { Length: > 0 }) v += bias[j];
                c[i * n + j] = Apply(activation, v, activationParam);
            }
    }

    /// <summary>f(x; a) in double, through the same activation structs the kernels use.</summary>
    public static double Apply(Activation activation, double x, double a) => Enum.IsDefined(activation)
        ? ActivationMap.Forward((int)activation, x, a)
        : throw new ArgumentOutOfRangeException(nameof(activation), activation, null);
}
