using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ILGPU.IR;
using ILGPU.IR.Intrinsics;

namespace IlgpuAe.Kernels;

public static partial class GemmKernels
{
    /// <summary>Rows per work unit of <see cref="CpuSimd{TAct}"/>: the SIMD core's micro-tile height (a batch of 128 is 16 tiles, none partial).</summary>
    public const int SimdRowUnit = 8;
    /// <summary>Columns per panel of the SIMD core.</summary>
    public const int SimdPanel = 32;
    /// <summary>Column groups split C at multiples of this: half a panel, which the core computes at half the cost.</summary>
    public const int SimdSplit = 16;

    /// <summary>
    /// CPU body for float with a SIMD core. C[i,j] = act(alpha·Σ_p op(A)[i,p]·op(B)[p,j] + beta·C[i,j] + bias[j]).
    /// Work units are (column group g, 8 rows), numbered group-major: ceil(m/8) units per group, and
    /// <paramref name="colGroups"/> groups splitting the columns evenly in steps of 16. With one group, threads
    /// own row bands (each packs all of op(B)); with one group per thread (small m), threads own column
    /// ranges and pack only their part of op(B). <see cref="SimdBlock"/> writes alpha·A·B + beta·C and, row tile by
    /// row tile while it is still in cache, adds the bias and applies the activation numbered <paramref name="epilogue"/>
    /// (an <see cref="Activation"/> value; −1 when there is neither bias nor activation). The epilogue runs in the
    /// .NET body because ILGPU's element-at-a-time code for it cost as much as the GEMM at a batch of 128; TAct
    /// names the instantiation (and must agree with <paramref name="epilogue"/>, which the launcher guarantees).
    /// With a non-empty <paramref name="rowSums"/> the block of column group 0 also writes
    /// rowSums[i] = rowSumsBeta·rowSums[i] + Σ_p op(A)[i,p] for its rows (alpha not applied): the bias gradient of a Linear
    /// layer, Σ_rows dz, in the launch of its dW = dzᵀ·x, added in the order of <see cref="ReductionKernels.CpuColumnSums"/>, so the same bits.
    /// </summary>
    public static void CpuSimd<TAct>(Index1D t, Loop loop, GemmShape<float> s,
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, int epilogue, int colGroups,
        ArrayView<float> rowSums, float rowSumsBeta)
        where TAct : struct, IActivation<float>
    {
        int rowUnits = (s.M + SimdRowUnit - 1) / SimdRowUnit;
        int halves = (s.N + SimdSplit - 1) / SimdSplit;
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
                int j0 = Math.Min(halves * g / colGroups * SimdSplit, s.N);
                int j1 = Math.Min(halves * (g + 1) / colGroups * SimdSplit, s.N);
                u = uEnd;
                if (r0 >= r1 || j0 >= j1) continue;
                SimdBlock(s, a, b, c, bias, epilogue, r0, r1, j0, j1, rowSums, rowSumsBeta);
            }
        }
    }

    /// <summary>
    /// C[i,j] = act(alpha·Σ_p op(A)[i,p]·op(B)[p,j] + beta·C[i,j] + bias[j]) for r0 ≤ i &lt; r1, j0 ≤ j &lt; j1, act the
    /// activation numbered <paramref name="epilogue"/> (−1: neither bias nor activation); C is not read
    /// when beta == 0. ILGPU treats this method as an intrinsic: the CPU accelerator runs its .NET body
    /// (packed panels and an 8x32 Vector512 FMA micro-kernel, 8x16 for a panel at most 16 wide, or 4x16 Vector256 ones without AVX-512:
    /// code ILGPU's IR cannot express), while PTX and OpenCL are redirected to <see cref="ScalarBlock"/>
    /// by <see cref="CpuIntrinsics.Register"/>.
    /// </summary>
    [IntrinsicImplementation]
    public static void SimdBlock(GemmShape<float> s, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        ArrayView<float> bias, int epilogue, int r0, int r1, int j0, int j1, ArrayView<float> rowSums, float rowSumsBeta) =>
        GemmSimd.Block(s, a, b, c, bias, epilogue, r0, r1, j0, j1, rowSums, rowSumsBeta);

    /// <summary>The GPU backends' body of <see cref="SimdBlock"/>: same formula, one element at a time.</summary>
    public static void ScalarBlock(GemmShape<float> s, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        ArrayView<float> bias, int epilogue, int r0, int r1, int j0, int j1, ArrayView<float> rowSums, float rowSumsBeta)
    {
        if (rowSums.Length > 0 && j0 == 0)
            for (int i = r0; i < r1; i++)
            {
                float acc = 0;
                for (int p = 0; p < s.K; p++) acc += a[(long)i * s.AStrideRow + (long)p * s.AStrideK];
                Beta.Blend(rowSums, i, rowSumsBeta, acc);
            }
        for (int i = r0; i < r1; i++)
            for (int j = j0; j < j1; j++)
            {
                float sum = 0;
                for (int p = 0; p < s.K; p++)
                    sum += a[(long)i * s.AStrideRow + (long)p * s.AStrideK] * b[(long)p * s.BStrideK + (long)j * s.BStrideCol];
                long idx = (long)i * s.N + j;
                float v = s.Beta == 0 ? s.Alpha * sum : s.Alpha * sum + s.Beta * c[idx];
                if (epilogue >= 0) v = ActivationMap.Forward(epilogue, bias.Length > 0 ? v + bias[j] : v, s.ActParam);
                c[idx] = v;
            }
    }

    internal static void RegisterCpuTwins(Context context) =>
        CpuIntrinsics.Redirect(context, typeof(GemmKernels), nameof(SimdBlock), nameof(ScalarBlock));
}

/// <summary>The ordinary .NET SIMD GEMM core behind <see cref="GemmKernels.SimdBlock"/>; never seen by ILGPU's compiler.</summary>
static unsafe class GemmSimd
{
    const int MR = GemmKernels.SimdRowUnit, NR = GemmKernels.SimdPanel, KC = 400, NC = 512;

    // Packed panels, per worker thread: reused across launches so that a launch allocates nothing.
    [ThreadStatic] static float[]? _packedB;
    [ThreadStatic] static float[]? _packedA;

    public static void Block(in GemmShape<float> s, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        ArrayView<float> bias, int epilogue, int r0, int r1, int j0, int j1, ArrayView<float> rowSums, float rowSumsBeta)
    {
        if (r1 <= r0 || j1 <= j0) return;
        // Column group 0 owns every row once (row bands: its rows; column groups: all of them).
        if (rowSums.Length > 0 && j0 == 0) RowSumsOfA(s, a, rowSums, rowSumsBeta, r0, r1);
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
        // Equal slices: 784 = 2 x 392 rather than 400 + 384 (and 1024 = 3 x 342), so no slice is mostly overhead.
        int kcMax = (k + (k + KC - 1) / KC - 1) / ((k + KC - 1) / KC), ncMax = Math.Min(j1 - j0, NC);
        long needB = (long)((ncMax + NR - 1) / NR) * kcMax * NR, needA = (long)rowTiles * kcMax * MR;
        if (_packedB is null || _packedB.Length < needB) _packedB = GC.AllocateUninitializedArray<float>((int)needB, pinned: true);
        if (_packedA is null || _packedA.Length < needA) _packedA = GC.AllocateUninitializedArray<float>((int)needA, pinned: true);
        float* tile = stackalloc float[MR * NR];
        fixed (float* bp = _packedB)
        fixed (float* ap = _packedA)
        {
            // k in slices of KC and columns in blocks of NC, so that the packed op(B) block a row tile
            // sweeps (KC x NC floats, 800 KB) stays in L2 and a packed op(A) tile (KC x 8) in L1. The panel a micro-kernel streams
            // (KC x 32 floats, 50 KB) need not fit L1: it reads 128 B of it per 16 FMAs. KC = 400 against 256: C is
            // re-read half as often; 128-row GEMMs 0-3 % faster in interleaved runs (perf/RESULTS.md).
            for (int p0 = 0; p0 < k; p0 += kcMax)
            {
                int kc = Math.Min(kcMax, k - p0);
                // A stored [m, k], m < n, AVX-512: the micro-kernel reads its 8 rows in place (they stay in L1 across
                // the panels), so op(A) is not packed. m < n is where the launcher splits by column groups and every
                // thread would otherwise pack all of op(A); with row bands (m >= n) packing measured no slower, and
                // the 1024x400x784 NT case ran slower unpacked in some runs, so it keeps the packed path.
                bool direct = s.AStrideK == 1 && s.M < s.N && Vector512.IsHardwareAccelerated;
                // A stored [k, m] (TN), m < n, m a multiple of 8: a tile's 8 values at step p are a[p·m + i0 .. + 7], the
                // packed layout with a stride of m instead of 8, so the packed kernel reads them in place. 128x400x784 TN
                // measured 0.53-0.55 ms packed; see perf/RESULTS.md for the unpacked figure.
                bool directT = s.AStrideRow == 1 && s.M < s.N && s.M % MR == 0 && Vector512.IsHardwareAccelerated;
                if (!direct && !directT) PackA(s, pa, ap, r0, r1, rowTiles, p0, kc);
                for (int jc = j0; jc < j1; jc += NC)
                {
                    int jcEnd = Math.Min(j1, jc + NC), panels = (jcEnd - jc + NR - 1) / NR;
                    PackB(s, pb, bp, jc, jcEnd, panels, p0, kc);
                    for (int rt = 0; rt < rowTiles; rt++)
                    {
                        int i0 = r0 + rt * MR, h = Math.Min(MR, r1 - i0);
                        float* arow = directT ? pa + (long)p0 * s.AStrideK + i0 : ap + (long)rt * kc * MR;
                        int aStep = directT ? s.AStrideK : MR;
                        for (int q = 0; q < panels; q++)
                        {
                            int jq = jc + q * NR, w = Math.Min(NR, jcEnd - jq);
                            float* panel = bp + (long)q * kc * NR;
                            // A panel at most 16 wide (the last one, or a column group's edge) costs half a full one.
                            bool half = w <= 16;
                            if (direct) Micro512Direct(pa + (long)i0 * s.AStrideRow + p0, s.AStrideRow, h, panel, kc, tile, half);
                            else if (Vector512.IsHardwareAccelerated) Micro512(arow, aStep, panel, kc, tile, half);
                            else Micro256(arow, panel, kc, tile, half);
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
        else // B stored [n, k]: 8x8 blocks transposed in registers (scalar copies where AVX is missing and at the edges)
            for (int q = 0; q < panels; q++)
            {
                int jq = j0 + q * NR, w = Math.Min(NR, j1 - jq);
                float* dstPanel = bp + (long)q * kc * NR;
                float* srcPanel = pb + (long)jq * s.BStrideCol + p0;
                int p8 = Avx.IsSupported ? kc / 8 * 8 : 0, w8 = w / 8 * 8;
                for (int p = 0; p < p8; p += 8)
                    for (int jj = 0; jj < w8; jj += 8)
                        Transpose8x8(srcPanel + (long)jj * s.BStrideCol + p, s.BStrideCol, dstPanel + p * NR + jj);
                for (int jj = 0; jj < w; jj++)
                {
                    float* src = srcPanel + (long)jj * s.BStrideCol;
                    for (int p = jj < w8 ? p8 : 0; p < kc; p++) dstPanel[p * NR + jj] = src[p];
                }
            }
    }

    /// <summary>
    /// sums[i] = beta·sums[i] + Σ_p op(A)[i,p] for r0 ≤ i &lt; r1, p ascending as in <see cref="ReductionKernels.CpuColumnSums"/> (sums
    /// not read when beta is 0). A stored [k, m] (a Linear layer's dzᵀ) runs 16 rows at a time along its contiguous rows.
    /// </summary>
    static void RowSumsOfA(in GemmShape<float> s, ArrayView<float> a, ArrayView<float> sums, float beta, int r0, int r1)
    {
        float* y = (float*)Unsafe.AsPointer(ref sums[0L]);
        float* pa = s.K > 0 ? (float*)Unsafe.AsPointer(ref a[0L]) : null;
        int i = r0;
        if (s.AStrideRow == 1)
            for (; i <= r1 - Vector<float>.Count; i += Vector<float>.Count)
            {
                var acc = Vector<float>.Zero;
                for (int p = 0; p < s.K; p++) acc += Vector.Load(pa + (long)p * s.AStrideK + i);
                (beta == 0 ? acc : new Vector<float>(beta) * Vector.Load(y + i) + acc).Store(y + i);
            }
        for (; i < r1; i++)
        {
            float acc = 0;
            for (int p = 0; p < s.K; p++) acc += pa[(long)i * s.AStrideRow + (long)p * s.AStrideK];
            y[i] = beta == 0 ? acc : beta * y[i] + acc;
        }
    }

    /// <summary>dst[c·32 + r] = src[r·stride + c] for r, c &lt; 8: eight rows of B stored [n, k] into eight k-rows of a panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Transpose8x8(float* src, long stride, float* dst)
    {
        var r0 = Avx.LoadVector256(src); var r1 = Avx.LoadVector256(src + stride);
        var r2 = Avx.LoadVector256(src + 2 * stride); var r3 = Avx.LoadVector256(src + 3 * stride);
        var r4 = Avx.LoadVector256(src + 4 * stride); var r5 = Avx.LoadVector256(src + 5 * stride);
        var r6 = Avx.LoadVector256(src + 6 * stride); var r7 = Avx.LoadVector256(src + 7 * stride);
        // Pairs interleaved, then quads, then the 128-bit halves swapped: column c of the block ends up in one register.
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44); var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44); var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44); var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44); var s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20)); Avx.Store(dst + NR, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2 * NR, Avx.Permute2x128(s2, s6, 0x20)); Avx.Store(dst + 3 * NR, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4 * NR, Avx.Permute2x128(s0, s4, 0x31)); Avx.Store(dst + 5 * NR, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6 * NR, Avx.Permute2x128(s2, s6, 0x31)); Avx.Store(dst + 7 * NR, Avx.Permute2x128(s3, s7, 0x31));
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
            for (; j < j1; j++) row[j] = ActivationMap.Forward(activation, bias != null ? row[j] + bias[j] : row[j], a);
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

    /// <summary>
    /// tile[8,32] = Σ_p ap[p·aStep + 0..7] ⊗ bp[p,0..31] with AVX-512: 16 accumulators, 2 loads + 8 broadcasts per 16 FMAs
    /// (19 of the 32 zmm registers). With <paramref name="half"/> only columns 0..15 (8 accumulators). aStep is 8 for a
    /// packed op(A), m for A stored [k, m] read in place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    static void Micro512(float* ap, int aStep, float* bp, int k, float* tile, bool half)
    {
        if (half) { Micro512Half(ap, aStep, bp, k, tile); return; }
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < k; p++, ap += aStep, bp += NR)
        {
            var b0 = Vector512.Load(bp);
            var b1 = Vector512.Load(bp + 16);
            var x = Vector512.Create(ap[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(ap[1]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(ap[2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(ap[3]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(ap[4]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(ap[5]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(ap[6]); c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(ap[7]); c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
        }
        c00.Store(tile); c01.Store(tile + 16); c10.Store(tile + 32); c11.Store(tile + 48);
        c20.Store(tile + 64); c21.Store(tile + 80); c30.Store(tile + 96); c31.Store(tile + 112);
        c40.Store(tile + 128); c41.Store(tile + 144); c50.Store(tile + 160); c51.Store(tile + 176);
        c60.Store(tile + 192); c61.Store(tile + 208); c70.Store(tile + 224); c71.Store(tile + 240);
    }

    /// <summary>tile[8, 0..16) = Σ_p a[p, 0..7] ⊗ bp[p, 0..15], a's rows <paramref name="aStep"/> floats apart per p (packed: 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    static void Micro512Half(float* ap, int aStep, float* bp, int k, float* tile)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (int p = 0; p < k; p++, ap += aStep, bp += NR)
        {
            var b0 = Vector512.Load(bp);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(ap[0]), b0, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(ap[1]), b0, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(ap[2]), b0, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(ap[3]), b0, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(ap[4]), b0, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(ap[5]), b0, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(ap[6]), b0, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(ap[7]), b0, c7);
        }
        c0.Store(tile); c1.Store(tile + 32); c2.Store(tile + 64); c3.Store(tile + 96);
        c4.Store(tile + 128); c5.Store(tile + 160); c6.Store(tile + 192); c7.Store(tile + 224);
    }

    /// <summary>
    /// As <see cref="Micro512"/>, reading op(A) in place: row ii of the tile from a + ii·lda (A stored [m, k]). Rows at
    /// or past <paramref name="h"/> repeat row 0 (valid memory); the caller stores only the first h rows of the tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    static void Micro512Direct(float* a, long lda, int h, float* bp, int k, float* tile, bool half)
    {
        float* a0 = a, a1 = h > 1 ? a + lda : a, a2 = h > 2 ? a + 2 * lda : a, a3 = h > 3 ? a + 3 * lda : a;
        float* a4 = h > 4 ? a + 4 * lda : a, a5 = h > 5 ? a + 5 * lda : a, a6 = h > 6 ? a + 6 * lda : a, a7 = h > 7 ? a + 7 * lda : a;
        if (half)
        {
            Vector512<float> d0 = default, d1 = default, d2 = default, d3 = default, d4 = default, d5 = default, d6 = default, d7 = default;
            for (int p = 0; p < k; p++, bp += NR)
            {
                var b = Vector512.Load(bp);
                d0 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[p]), b, d0);
                d1 = Vector512.FusedMultiplyAdd(Vector512.Create(a1[p]), b, d1);
                d2 = Vector512.FusedMultiplyAdd(Vector512.Create(a2[p]), b, d2);
                d3 = Vector512.FusedMultiplyAdd(Vector512.Create(a3[p]), b, d3);
                d4 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[p]), b, d4);
                d5 = Vector512.FusedMultiplyAdd(Vector512.Create(a5[p]), b, d5);
                d6 = Vector512.FusedMultiplyAdd(Vector512.Create(a6[p]), b, d6);
                d7 = Vector512.FusedMultiplyAdd(Vector512.Create(a7[p]), b, d7);
            }
            d0.Store(tile); d1.Store(tile + 32); d2.Store(tile + 64); d3.Store(tile + 96);
            d4.Store(tile + 128); d5.Store(tile + 160); d6.Store(tile + 192); d7.Store(tile + 224);
            return;
        }
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
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
            x = Vector512.Create(a6[p]); c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a7[p]); c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
        }
        c00.Store(tile); c01.Store(tile + 16); c10.Store(tile + 32); c11.Store(tile + 48);
        c20.Store(tile + 64); c21.Store(tile + 80); c30.Store(tile + 96); c31.Store(tile + 112);
        c40.Store(tile + 128); c41.Store(tile + 144); c50.Store(tile + 160); c51.Store(tile + 176);
        c60.Store(tile + 192); c61.Store(tile + 208); c70.Store(tile + 224); c71.Store(tile + 240);
    }

    /// <summary>
    /// Without AVX-512 (16 ymm registers): the 8x32 tile as 4x16 blocks of 8 ymm accumulators each, columns 16..31 skipped
    /// when <paramref name="half"/>.
    /// </summary>
    static void Micro256(float* ap, float* bp, int k, float* tile, bool half)
    {
        for (int r = 0; r < MR; r += 4)
            for (int j = 0; j < (half ? 16 : NR); j += 16)
                Micro256Block(ap + r, bp + j, k, tile + r * NR + j);
    }

    /// <summary>tile[4 rows, 16 of 32 columns] = Σ_p ap[p·8 + 0..3] ⊗ bp[p·32 + 0..15].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    static void Micro256Block(float* ap, float* bp, int k, float* tile)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < k; p++, ap += MR, bp += NR)
        {
            var b0 = Vector256.Load(bp);
            var b1 = Vector256.Load(bp + 8);
            var x = Vector256.Create(ap[0]); c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(ap[1]); c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(ap[2]); c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(ap[3]); c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
        }
        c00.Store(tile); c01.Store(tile + 8); c10.Store(tile + NR); c11.Store(tile + NR + 8);
        c20.Store(tile + 2 * NR); c21.Store(tile + 2 * NR + 8); c30.Store(tile + 3 * NR); c31.Store(tile + 3 * NR + 8);
    }
}
