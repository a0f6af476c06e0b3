using System.Numerics;
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
    /// <summary>Rows per work unit of <see cref="CpuSimd{TAct}"/>: the SIMD core's micro-tile height.</summary>
    public const int SimdRowUnit = 6;
    /// <summary>Columns per panel of the SIMD core: column groups split C at multiples of this.</summary>
    public const int SimdPanel = 32;

    /// <summary>
    /// CPU body for float with a SIMD core. C[i,j] = act(alpha·Σ_p op(A)[i,p]·op(B)[p,j] + beta·C[i,j] + bias[j]).
    /// Work units are (column group g, 6 rows), numbered group-major: ceil(m/6) units per group, and
    /// <paramref name="colGroups"/> groups splitting the 32-column panels evenly. With one group, threads
    /// own row bands (each packs all of op(B)); with one group per thread (small m), threads own column
    /// ranges and pack only their part of op(B). <see cref="SimdBlock"/> writes alpha·A·B + beta·C and, row tile by
    /// row tile while it is still in cache, adds the bias and applies the activation numbered <paramref name="epilogue"/>
    /// (an <see cref="Activation"/> value; −1 when there is neither bias nor activation). The epilogue runs in the
    /// .NET body because ILGPU's element-at-a-time code for it cost as much as the GEMM at a batch of 128; TAct
    /// names the instantiation (and must agree with <paramref name="epilogue"/>, which the launcher guarantees).
    /// </summary>
    public static void CpuSimd<TAct>(Index1D t, Loop loop, GemmShape<float> s,
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, int epilogue, int colGroups)
        where TAct : struct, IActivation<float>
    {
        int rowUnits = (s.M + SimdRowUnit - 1) / SimdRowUnit;
        int panels = (s.N + SimdPanel - 1) / SimdPanel;
        int units = rowUnits * colGroups;
        for (int first = loop.First(t); first < units; first += loop.Step)
        {
            int last = Math.Min(first + loop.Span, units);
            // A run of units may cross into the next column group: one block per group it touches.
            for (int u = first; u < last;)
            {
                int g = u / rowUnits;
                int uEnd = Math.Min(last, (g + 1) * rowUnits);
                int r0 = (u - g * rowUnits) * SimdRowUnit, r1 = Math.Min((uEnd - g * rowUnits) * SimdRowUnit, s.M);
                int j0 = Math.Min(panels * g / colGroups * SimdPanel, s.N);
                int j1 = Math.Min(panels * (g + 1) / colGroups * SimdPanel, s.N);
                u = uEnd;
                if (r0 >= r1 || j0 >= j1) continue;
                SimdBlock(s, a, b, c, bias, epilogue, r0, r1, j0, j1);
            }
        }
    }

    /// <summary>
    /// C[i,j] = act(alpha·Σ_p op(A)[i,p]·op(B)[p,j] + beta·C[i,j] + bias[j]) for r0 ≤ i &lt; r1, j0 ≤ j &lt; j1, act the
    /// activation numbered <paramref name="epilogue"/> (−1: neither bias nor activation); C is not read
    /// when beta == 0. ILGPU treats this method as an intrinsic: the CPU accelerator runs its .NET body
    /// (packed panels and a 6x32 Vector512 FMA micro-kernel, or two 6x16 Vector256 ones without AVX-512:
    /// code ILGPU's IR cannot express), while PTX and OpenCL are redirected to <see cref="ScalarBlock"/>
    /// by <see cref="RegisterIntrinsics"/>.
    /// </summary>
    [IntrinsicImplementation]
    public static void SimdBlock(GemmShape<float> s, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        ArrayView<float> bias, int epilogue, int r0, int r1, int j0, int j1) =>
        GemmSimd.Block(s, a, b, c, bias, epilogue, r0, r1, j0, j1);

    /// <summary>The GPU backends' body of <see cref="SimdBlock"/>: same formula, one element at a time.</summary>
    public static void ScalarBlock(GemmShape<float> s, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        ArrayView<float> bias, int epilogue, int r0, int r1, int j0, int j1)
    {
        for (int i = r0; i < r1; i++)
            for (int j = j0; j < j1; j++)
            {
                float sum = 0;
                for (int p = 0; p < s.K; p++)
                    sum += a[(long)i * s.AStrideRow + (long)p * s.AStrideK] * b[(long)p * s.BStrideK + (long)j * s.BStrideCol];
                long idx = (long)i * s.N + j;
                float v = s.Beta == 0 ? s.Alpha * sum : s.Alpha * sum + s.Beta * c[idx];
                if (epilogue >= 0) v = CpuKernels.Forward(epilogue, bias.Length > 0 ? v + bias[j] : v, s.ActParam);
                c[idx] = v;
            }
    }

    /// <summary>
    /// Tells a context's PTX and OpenCL backends to compile <see cref="ScalarBlock"/> wherever
    /// <see cref="SimdBlock"/> is called. Only needed where <see cref="CpuSimd{TAct}"/> is compiled for a GPU
    /// (the offline compile test); the CPU accelerator runs SimdBlock's own body.
    /// </summary>
    public static void RegisterIntrinsics(Context context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var simd = typeof(GemmKernels).GetMethod(nameof(SimdBlock), BindingFlags.Public | BindingFlags.Static)!;
        context.GetIntrinsicManager().RegisterMethod(simd,
            new PTXIntrinsic(typeof(GemmKernels), nameof(ScalarBlock), IntrinsicImplementationMode.Redirect));
        context.GetIntrinsicManager().RegisterMethod(simd,
            new CLIntrinsic(typeof(GemmKernels), nameof(ScalarBlock), IntrinsicImplementationMode.Redirect));
    }
}

/// <summary>The ordinary .NET SIMD GEMM core behind <see cref="GemmKernels.SimdBlock"/>; never seen by ILGPU's compiler.</summary>
static unsafe class GemmSimd
{
    const int MR = GemmKernels.SimdRowUnit, NR = GemmKernels.SimdPanel, KC = 256, NC = 512;

    // Packed panels, per worker thread: reused across launches so that a launch allocates nothing.
    [ThreadStatic] static float[]? _packedB;
    [ThreadStatic] static float[]? _packedA;

    public static void Block(in GemmShape<float> s, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        ArrayView<float> bias, int epilogue, int r0, int r1, int j0, int j1)
    {
        if (r1 <= r0 || j1 <= j0) return;
        int n = s.N, k = s.K;
        float* pc = (float*)Unsafe.AsPointer(ref c[0L]);
        float* pbias = bias.Length > 0 ? (float*)Unsafe.AsPointer(ref bias[0L]) : null;
        if (k == 0)
        {
            for (int i = r0; i < r1; i++)
                for (int j = j0; j < j1; j++)
                    pc[(long)i * n + j] = s.Beta == 0 ? 0 : s.Beta * pc[(long)i * n + j];
            if (epilogue >= 0) Epilogue(pc, n, pbias, epilogue, s.ActParam, r0, r1, j0, j1);
            return;
        }
        float* pa = (float*)Unsafe.AsPointer(ref a[0L]);
        float* pb = (float*)Unsafe.AsPointer(ref b[0L]);
        int rowTiles = (r1 - r0 + MR - 1) / MR;
        // Equal slices: 784 = 4 x 196 rather than 3 x 256 + 16, whose last slice would be all overhead.
        int kcMax = (k + (k + KC - 1) / KC - 1) / ((k + KC - 1) / KC), ncMax = Math.Min(j1 - j0, NC);
        long needB = (long)((ncMax + NR - 1) / NR) * kcMax * NR, needA = (long)rowTiles * kcMax * MR;
        if (_packedB is null || _packedB.Length < needB) _packedB = GC.AllocateUninitializedArray<float>((int)needB, pinned: true);
        if (_packedA is null || _packedA.Length < needA) _packedA = GC.AllocateUninitializedArray<float>((int)needA, pinned: true);
        float* tile = stackalloc float[MR * NR];
        fixed (float* bp = _packedB)
        fixed (float* ap = _packedA)
        {
            // k in slices of KC and columns in blocks of NC, so that the packed op(B) block a row tile
            // sweeps (KC x NC floats, 512 KB) stays in L2 and a packed op(A) tile (KC x 6) in L1.
            for (int p0 = 0; p0 < k; p0 += kcMax)
            {
                int kc = Math.Min(kcMax, k - p0);
                // A stored [m, k], m < n, AVX-512: the micro-kernel reads its 6 rows in place (they stay in L1 across
                // the panels), so op(A) is not packed. m < n is where the launcher splits by column groups and every
                // thread would otherwise pack all of op(A); with row bands (m >= n) packing measured no slower, and
                // the 1024x400x784 NT case ran slower unpacked in some runs, so it keeps the packed path.
                bool direct = s.AStrideK == 1 && s.M < s.N && Vector512.IsHardwareAccelerated;
                if (!direct) PackA(s, pa, ap, r0, r1, rowTiles, p0, kc);
                for (int jc = j0; jc < j1; jc += NC)
                {
                    int jcEnd = Math.Min(j1, jc + NC), panels = (jcEnd - jc + NR - 1) / NR;
                    PackB(s, pb, bp, jc, jcEnd, panels, p0, kc);
                    for (int rt = 0; rt < rowTiles; rt++)
                    {
                        int i0 = r0 + rt * MR, h = Math.Min(MR, r1 - i0);
                        float* arow = ap + (long)rt * kc * MR;
                        for (int q = 0; q < panels; q++)
                        {
                            int jq = jc + q * NR, w = Math.Min(NR, jcEnd - jq);
                            float* panel = bp + (long)q * kc * NR;
                            if (direct) Micro512Direct(pa + (long)i0 * s.AStrideRow + p0, s.AStrideRow, h, panel, kc, tile);
                            else if (Vector512.IsHardwareAccelerated) Micro512(arow, panel, kc, tile);
                            else { Micro256(arow, panel, kc, tile); Micro256(arow, panel + 16, kc, tile + 16); }
                            // The first k-slice applies beta (and never reads C when beta is 0); later ones accumulate.
                            if (w == NR)
                            {
                                StoreFull(tile, pc + (long)i0 * n + jq, n, h, s.Alpha, p0 > 0 ? 1f : s.Beta);
                                continue;
                            }
                            for (int ii = 0; ii < h; ii++)
                            {
                                float* crow = pc + (long)(i0 + ii) * n + jq;
                                float* trow = tile + ii * NR;
                                if (p0 > 0) for (int jj = 0; jj < w; jj++) crow[jj] += s.Alpha * trow[jj];
                                else if (s.Beta == 0) for (int jj = 0; jj < w; jj++) crow[jj] = s.Alpha * trow[jj];
                                else for (int jj = 0; jj < w; jj++) crow[jj] = s.Alpha * trow[jj] + s.Beta * crow[jj];
                            }
                        }
                        // After the last k-slice this row tile is final and still in cache: bias and activation now.
                        if (epilogue >= 0 && p0 + kc >= k) Epilogue(pc, n, pbias, epilogue, s.ActParam, i0, i0 + h, jc, jcEnd);
                    }
                }
            }
        }
    }

    /// <summary>
    /// op(B)[p0..p0+kc, j0..j1) as panels [panel][p][32], zero-padded past j1 so that the micro-kernel never
    /// branches; the loops follow the storage order, so reads are sequential either way.
    /// </summary>
    static void PackB(in GemmShape<float> s, float* pb, float* bp, int j0, int j1, int panels, int p0, int kc)
    {
        new Span<float>(bp, panels * kc * NR).Clear();
        if (s.BStrideCol == 1) // B stored [k, n]
            for (int p = 0; p < kc; p++)
            {
                float* src = pb + (long)(p0 + p) * s.BStrideK;
                for (int q = 0; q < panels; q++)
                {
                    int jq = j0 + q * NR, w = Math.Min(NR, j1 - jq);
                    new ReadOnlySpan<float>(src + jq, w).CopyTo(new Span<float>(bp + (long)q * kc * NR + p * NR, w));
                }
            }
        else // B stored [n, k]
            for (int j = j0; j < j1; j++)
            {
                float* src = pb + (long)j * s.BStrideCol + p0;
                float* dst = bp + (long)((j - j0) / NR) * kc * NR + (j - j0) % NR;
                for (int p = 0; p < kc; p++) dst[p * NR] = src[p];
            }
    }

    /// <summary>
    /// op(A)[r0..r1, p0..p0+kc] as tiles [tile][p][6], zero-padded past r1. Sequential reads matter most for a
    /// transposed A: its rows are m floats apart, and reading 6 of them per step (as an unpacked
    /// kernel would) hits the same cache sets over and over when m is a power of two.
    /// </summary>
    static void PackA(in GemmShape<float> s, float* pa, float* ap, int r0, int r1, int rowTiles, int p0, int kc)
    {
        new Span<float>(ap, rowTiles * kc * MR).Clear();
        if (s.AStrideK == 1) // A stored [m, k]
            for (int i = r0; i < r1; i++)
            {
                float* src = pa + (long)i * s.AStrideRow + p0;
                float* dst = ap + (long)((i - r0) / MR) * kc * MR + (i - r0) % MR;
                for (int p = 0; p < kc; p++) dst[p * MR] = src[p];
            }
        else // A stored [k, m]
            for (int p = 0; p < kc; p++)
            {
                float* src = pa + (long)(p0 + p) * s.AStrideK;
                for (int rt = 0; rt < rowTiles; rt++)
                {
                    int i0 = r0 + rt * MR, h = Math.Min(MR, r1 - i0);
                    float* dst = ap + (long)rt * kc * MR + p * MR;
                    for (int ii = 0; ii < h; ii++) dst[ii] = src[i0 + ii];
                }
            }
    }

    /// <summary>
    /// C[i,j] = act(C[i,j] + bias[j]) over rows r0..r1 and columns j0..j1 (no bias when <paramref name="bias"/> is null).
    /// Identity, ReLU and LeakyReLU vectorised; ReLU as a select, so NaN maps to 0 exactly as <see cref="ReluAct{T}"/> does.
    /// </summary>
    static void Epilogue(float* c, int n, float* bias, int activation, float a, int r0, int r1, int j0, int j1)
    {
        int w = Vector<float>.Count;
        var va = new Vector<float>(a);
        bool vectorised = activation is (int)Activation.Identity or (int)Activation.Relu or (int)Activation.LeakyRelu;
        for (int i = r0; i < r1; i++)
        {
            float* row = c + (long)i * n;
            int j = j0;
            if (vectorised)
                for (; j <= j1 - w; j += w)
                {
                    var v = Vector.Load(row + j);
                    if (bias != null) v += Vector.Load(bias + j);
                    if (activation == (int)Activation.Relu)
                        v = Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<float>.Zero), v, Vector<float>.Zero);
                    else if (activation == (int)Activation.LeakyRelu)
                        v = Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<float>.Zero), v, va * v);
                    v.Store(row + j);
                }
            for (; j < j1; j++) row[j] = CpuKernels.Forward(activation, bias != null ? row[j] + bias[j] : row[j], a);
        }
    }

    /// <summary>C[ii, 0..32) = alpha·tile[ii, :] + beta·C[ii, 0..32) for ii &lt; h, C not read when beta is 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreFull(float* tile, float* c, int ldc, int h, float alpha, float beta)
    {
        var al = Vector256.Create(alpha);
        var be = Vector256.Create(beta);
        for (int ii = 0; ii < h; ii++, c += ldc, tile += NR)
            for (int jj = 0; jj < NR; jj += 8)
            {
                var v = Vector256.Load(tile + jj) * al;
                if (beta != 0) v = Vector256.FusedMultiplyAdd(Vector256.Load(c + jj), be, v);
                v.Store(c + jj);
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
    /// As <see cref="Micro512"/>, reading op(A) in place: row ii of the tile from a + ii·lda (A stored [m, k]). Rows at
    /// or past <paramref name="h"/> repeat row 0 (valid memory); the caller stores only the first h rows of the tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    static void Micro512Direct(float* a, long lda, int h, float* bp, int k, float* tile)
    {
        float* a0 = a, a1 = h > 1 ? a + lda : a, a2 = h > 2 ? a + 2 * lda : a;
        float* a3 = h > 3 ? a + 3 * lda : a, a4 = h > 4 ? a + 4 * lda : a, a5 = h > 5 ? a + 5 * lda : a;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < k; p++, bp += NR)
        {
            var b0 = Vector512.Load(bp);
            var b1 = Vector512.Load(bp + 16);
            var x = Vector512.Create(a0[p]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a1[p]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a2[p]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[p]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a4[p]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a5[p]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
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
