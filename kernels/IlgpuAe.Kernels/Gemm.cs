using System.Numerics;
using ILGPU;

namespace IlgpuAe.Kernels;

/// <summary>
/// Shape and scalars of one GEMM C = act(alpha·op(A)·op(B) + beta·C + bias), row-major.
/// Transposes arrive as strides, so one kernel body serves all four combinations:
/// op(A)[i,p] = a[i·AStrideRow + p·AStrideK], op(B)[p,j] = b[p·BStrideK + j·BStrideCol].
/// </summary>
public readonly struct GemmShape<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public readonly int M, N, K;
    public readonly int AStrideRow, AStrideK, BStrideK, BStrideCol;
    public readonly T Alpha, Beta, ActParam;

    public GemmShape(bool transA, bool transB, int m, int n, int k, T alpha, T beta, T actParam)
    {
        M = m; N = n; K = k;
        // A is stored [m,k], or [k,m] when transposed; B is [k,n], or [n,k] when transposed.
        AStrideRow = transA ? 1 : k;
        AStrideK = transA ? m : 1;
        BStrideK = transB ? 1 : n;
        BStrideCol = transB ? k : 1;
        Alpha = alpha; Beta = beta; ActParam = actParam;
    }
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
