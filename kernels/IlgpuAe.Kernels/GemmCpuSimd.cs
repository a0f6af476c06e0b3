using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPU;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.IR;
using ILGPU.IR.Intrinsics;

namespace IlgpuAe.Kernels;

public static partial class GemmKernels
{
    /// <summary>
    /// CPU body for float with a SIMD core. C[i,j] = act(alpha·Σ_p op(A)[i,p]·op(B)[p,j] + beta·C[i,j] + bias[j]).
    /// Thread t owns rows [4·first, 4·last) of each run <paramref name="loop"/> gives it (over ceil(m/4)
    /// blocks); <see cref="SimdRows"/> writes alpha·A·B + beta·C there, then the epilogue adds bias and
    /// applies the activation (C is then always initialised, so reading it back is safe);
    /// <paramref name="epilogue"/> = 0 skips that pass when there is no bias and the activation is the identity.
    /// </summary>
    public static void CpuSimd<TAct>(Index1D t, Loop loop, GemmShape<float> s,
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, int epilogue)
        where TAct : struct, IActivation<float>
    {
        int rowBlocks = (s.M + 3) >> 2;
        for (int first = loop.First(t); first < rowBlocks; first += loop.Step)
        {
            int r0 = first * 4, r1 = Math.Min(Math.Min(first + loop.Span, rowBlocks) * 4, s.M);
            SimdRows(s, a, b, c, r0, r1);
            // 0 when there is neither bias nor activation: saves a pass over C (ILGPU cannot compare types).
            if (epilogue == 0) continue;
            for (int i = r0; i < r1; i++)
                for (int j = 0; j < s.N; j++)
                {
                    long idx = (long)i * s.N + j;
                    float v = c[idx];
                    if (bias.Length > 0) v += bias[j];
                    c[idx] = TAct.Forward(v, s.ActParam);
                }
        }
    }

    /// <summary>
    /// C[i,j] = alpha·Σ_p op(A)[i,p]·op(B)[p,j] + beta·C[i,j] for rows r0 ≤ i &lt; r1 (C not read when
    /// beta == 0). ILGPU treats this method as an intrinsic: the CPU accelerator runs this .NET body
    /// (packed panels and a 6x32 Vector512 FMA micro-kernel, 2x 6x16 Vector256 without AVX-512; the code ILGPU's IR cannot express);
    /// PTX and OpenCL are redirected to <see cref="ScalarRows"/> by <see cref="RegisterIntrinsics"/>.
    /// </summary>
    [IntrinsicImplementation]
    public static void SimdRows(GemmShape<float> s, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, int r0, int r1) =>
        GemmSimd.Rows(s, a, b, c, r0, r1);

    /// <summary>The GPU backends' body of <see cref="SimdRows"/>: same formula, one element at a time.</summary>
    public static void ScalarRows(GemmShape<float> s, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, int r0, int r1)
    {
        for (int i = r0; i < r1; i++)
            for (int j = 0; j < s.N; j++)
            {
                float sum = 0;
                for (int p = 0; p < s.K; p++)
                    sum += a[(long)i * s.AStrideRow + (long)p * s.AStrideK] * b[(long)p * s.BStrideK + (long)j * s.BStrideCol];
                long idx = (long)i * s.N + j;
                c[idx] = s.Beta == 0 ? s.Alpha * sum : s.Alpha * sum + s.Beta * c[idx];
            }
    }

    /// <summary>
    /// Tells a context's PTX and OpenCL backends to compile <see cref="ScalarRows"/> wherever
    /// <see cref="SimdRows"/> is called. Only needed where <see cref="CpuSimd{TAct}"/> is compiled for a GPU
    /// (the offline compile test); the CPU accelerator runs SimdRows' own body.
    /// </summary>
    public static void RegisterIntrinsics(Context context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var simd = typeof(GemmKernels).GetMethod(nameof(SimdRows), BindingFlags.Public | BindingFlags.Static)!;
        context.GetIntrinsicManager().RegisterMethod(simd,
            new PTXIntrinsic(typeof(GemmKernels), nameof(ScalarRows), IntrinsicImplementationMode.Redirect));
        context.GetIntrinsicManager().RegisterMethod(simd,
            new CLIntrinsic(typeof(GemmKernels), nameof(ScalarRows), IntrinsicImplementationMode.Redirect));
    }
}

/// <summary>The ordinary .NET SIMD GEMM core behind <see cref="GemmKernels.SimdRows"/>; never seen by ILGPU's compiler.</summary>
static unsafe class GemmSimd
{
    const int MR = 6, NR = 32;

    // Packed panels, per worker thread: reused across launches so that a launch allocates nothing.
    [ThreadStatic] static float[]? _packedB;
    [ThreadStatic] static float[]? _packedA;

    public static void Rows(in GemmShape<float> s, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, int r0, int r1)
    {
        if (r1 <= r0) return;
        int m = s.M, n = s.N, k = s.K;
        float* pc = (float*)Unsafe.AsPointer(ref c[0L]);
        if (k == 0)
        {
            for (int i = r0; i < r1; i++)
                for (int j = 0; j < n; j++)
                    pc[(long)i * n + j] = s.Beta == 0 ? 0 : s.Beta * pc[(long)i * n + j];
            return;
        }
        float* pa = (float*)Unsafe.AsPointer(ref a[0L]);
        float* pb = (float*)Unsafe.AsPointer(ref b[0L]);
        int panels = (n + NR - 1) / NR;
        long needB = (long)panels * k * NR;
        if (_packedB is null || _packedB.Length < needB) _packedB = GC.AllocateUninitializedArray<float>((int)needB, pinned: true);
        if (_packedA is null || _packedA.Length < k * MR) _packedA = GC.AllocateUninitializedArray<float>(k * MR, pinned: true);
        fixed (float* bp = _packedB)
        fixed (float* ap = _packedA)
        {
            // op(B) as panels [panel][p][32], zero-padded past n, so the micro-kernel never branches.
            for (int q = 0; q < panels; q++)
            {
                float* dst = bp + (long)q * k * NR;
                int j0 = q * NR, w = Math.Min(NR, n - j0);
                for (int p = 0; p < k; p++, dst += NR)
                    for (int jj = 0; jj < NR; jj++)
                        dst[jj] = jj < w ? pb[(long)p * s.BStrideK + (long)(j0 + jj) * s.BStrideCol] : 0f;
            }
            float* tile = stackalloc float[MR * NR];
            for (int i0 = r0; i0 < r1; i0 += MR)
            {
                int h = Math.Min(MR, r1 - i0);
                // op(A) rows i0..i0+5 as [p][6], zero-padded past the band.
                for (int p = 0; p < k; p++)
                    for (int ii = 0; ii < MR; ii++)
                        ap[p * MR + ii] = ii < h ? pa[(long)(i0 + ii) * s.AStrideRow + (long)p * s.AStrideK] : 0f;
                for (int q = 0; q < panels; q++)
                {
                    int j0 = q * NR, w = Math.Min(NR, n - j0);
                    float* panel = bp + (long)q * k * NR;
                    if (Vector512.IsHardwareAccelerated) Micro512(ap, panel, k, tile);
                    else { Micro256(ap, panel, k, tile); Micro256(ap, panel + 16, k, tile + 16); }
                    for (int ii = 0; ii < h; ii++)
                    {
                        float* crow = pc + (long)(i0 + ii) * n + j0;
                        float* trow = tile + ii * NR;
                        if (s.Beta == 0) for (int jj = 0; jj < w; jj++) crow[jj] = s.Alpha * trow[jj];
                        else for (int jj = 0; jj < w; jj++) crow[jj] = s.Alpha * trow[jj] + s.Beta * crow[jj];
                    }
                }
            }
        }
    }

    /// <summary>tile[6,32] = Σ_p ap[p,0..5] ⊗ bp[p,0..31] with AVX-512: 12 accumulators, 2 loads + 6 broadcasts per 12 FMAs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    static void Micro512(float* ap, float* bp, int k, float* tile)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < k; p++, ap += MR, bp += NR)
        {
            var b0 = Vector512.Load(bp);
            var b1 = Vector512.Load(bp + 16);
            var x = Vector512.Create(ap[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(ap[1]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(ap[2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(ap[3]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(ap[4]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(ap[5]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
        }
        c00.Store(tile); c01.Store(tile + 16); c10.Store(tile + 32); c11.Store(tile + 48);
        c20.Store(tile + 64); c21.Store(tile + 80); c30.Store(tile + 96); c31.Store(tile + 112);
        c40.Store(tile + 128); c41.Store(tile + 144); c50.Store(tile + 160); c51.Store(tile + 176);
    }

    /// <summary>
    /// Without AVX-512: tile[6, 16 of 32] = Σ_p ap[p,0..5] ⊗ bp[p,0..15] (rows of both bp and tile are 32
    /// wide; the caller runs it on each half), 12 ymm accumulators.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    static void Micro256(float* ap, float* bp, int k, float* tile)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < k; p++, ap += MR, bp += NR)
        {
            var b0 = Vector256.Load(bp);
            var b1 = Vector256.Load(bp + 8);
            var x = Vector256.Create(ap[0]); c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(ap[1]); c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(ap[2]); c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(ap[3]); c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(ap[4]); c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(ap[5]); c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
        }
        c00.Store(tile); c01.Store(tile + 8); c10.Store(tile + NR); c11.Store(tile + NR + 8);
        c20.Store(tile + 2 * NR); c21.Store(tile + 2 * NR + 8); c30.Store(tile + 3 * NR); c31.Store(tile + 3 * NR + 8);
        c40.Store(tile + 4 * NR); c41.Store(tile + 4 * NR + 8); c50.Store(tile + 5 * NR); c51.Store(tile + 5 * NR + 8);
    }
}
