using System.Runtime.CompilerServices;
using ILGPU.Runtime;

namespace IlgpuAe.Kernels;

/// <summary>Four consecutive elements: one 16-byte load or store when T is float (ILGPU vectorises a struct access whose alignment it is told).</summary>
public struct Quad<T> where T : unmanaged
{
    /// <summary>Elements 0..3.</summary>
    public T X, Y, Z, W;
}

/// <summary>One row of a thread's 8x8 accumulator tile: columns 0..3 of its first column quad, then 0..3 of its second.</summary>
public struct Row8<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Accumulators of the 8 columns.</summary>
    public T C0, C1, C2, C3, C4, C5, C6, C7;

    /// <summary>r + x·(b0, b1): one row's 8 multiply-adds of a rank-1 update.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Row8<T> Fma(Row8<T> r, T x, Quad<T> b0, Quad<T> b1)
    {
        r.C0 += x * b0.X; r.C1 += x * b0.Y; r.C2 += x * b0.Z; r.C3 += x * b0.W;
        r.C4 += x * b1.X; r.C5 += x * b1.Y; r.C6 += x * b1.Z; r.C7 += x * b1.W;
        return r;
    }
}

public static partial class GemmKernels
{
    /// <summary>Rows and columns of C per group of the GPU body.</summary>
    public const int GpuTile = 128;
    /// <summary>Depth of the k-slices staged in shared memory.</summary>
    public const int GpuDepth = 8;
    /// <summary>Threads per group: a 16x16 grid, each owning an 8x8 tile of the 128x128 block.</summary>
    public const int GpuThreads = 256;
    /// <summary><see cref="GemmShape{T}.Quads"/> bit: op(A) may be read in aligned quads along its contiguous dimension.</summary>
    public const int QuadsA = 1;
    /// <summary><see cref="GemmShape{T}.Quads"/> bit: op(B) may be read in aligned quads along its contiguous dimension.</summary>
    public const int QuadsB = 2;

    // Why 128x128x8, 256 threads, 8x8 each: the 64 accumulators and 16 operands of a thread fit in about 100-130 of the
    // 255 registers a PTX thread may have (256 threads x 128 = 32 K of the 64 K registers of an SM: two groups per SM),
    // and each k step does 64 FMAs for 4 shared-memory quad loads (16 FMAs per load, against 2 per load in a 16x16
    // tile). Two stages of 8x128 for each operand are 16 KB of float (32 KB of double) of static shared memory, inside
    // the 48 KB a group may allocate statically, which is all ILGPU's SharedMemory.Allocate1D<T>(constant) can ask for.
    // A deeper slice (16) would halve the barriers but double the shared memory and the staging registers; a 256x128
    // tile would need 128 accumulators a thread and spill. Small GEMMs (a batch of 128 against 400 outputs) get few
    // groups from a 128x128 tile: whether a smaller tile wins there is for a measurement on a GPU to say.

    /// <summary>
    /// GPU body, explicitly grouped: grid (ceil(n/128), ceil(m/128)), groups of 256 threads.
    /// C[i,j] = act(alpha·Σ_p op(A)[i,p]·op(B)[p,j] + beta·C[i,j] + bias[j]).
    /// Slices of 128 rows x 8 of op(A) and 8 x 128 columns of op(B) are staged k-major in shared memory (A stored
    /// transposed, so that a thread's 4 rows at one k are one conflict-free quad), in two stages: the next slice is
    /// read from global memory into registers while the current one is multiplied, then written to the other stage,
    /// one barrier per slice. Each thread reads 4 consecutive elements of each operand along its contiguous dimension
    /// (one 16-byte load when <see cref="GemmShape{T}.Quads"/> says the operand is aligned, element by element at the
    /// matrix edges) and accumulates rows {4ty..4ty+3, 64+4ty..} x columns {4tx..4tx+3, 64+4tx..}: split in halves so
    /// that the 8 threads of a quarter warp read 32 consecutive floats of shared memory, no two in one bank.
    /// </summary>
    [GroupedKernel]
    public static void Gpu<T, TAct>(GemmShape<T> s, ArrayView<T> a, ArrayView<T> b, ArrayView<T> c, ArrayView<T> bias)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TAct : struct, IActivation<T>
    {
        const int stage = GpuDepth * GpuTile;
        ArrayView<T> sa = SharedMemory.Allocate1D<T>(2 * stage); // [stage][kk][row]: op(A) transposed
        ArrayView<T> sb = SharedMemory.Allocate1D<T>(2 * stage); // [stage][kk][col]
        int quadBytes = 4 * Interop.SizeOf<T>();
        var sa4 = sa.Cast<Quad<T>>().AsAligned(quadBytes);
        var sb4 = sb.Cast<Quad<T>>().AsAligned(quadBytes);
        int tid = Group.IdxX;
        int row0 = Grid.IdxY * GpuTile, col0 = Grid.IdxX * GpuTile;
        int ty = tid / 16, tx = tid % 16;

        // The 4 elements a thread stages per slice run along the operand's smaller stride (its contiguous dimension
        // for the strides GemmShape makes): along k (a row of A, a column of B in memory) it is 128 rows x 2 quads,
        // across k 8 slices x 32 quads of rows.
        bool aAlongK = s.AStrideK <= s.AStrideRow;
        int aRow = aAlongK ? tid >> 1 : (tid & 31) * 4, aK = aAlongK ? (tid & 1) * 4 : tid >> 5;
        long aStep = aAlongK ? s.AStrideK : s.AStrideRow;
        int aShared = aK * GpuTile + aRow, aSharedStep = aAlongK ? GpuTile : 1;
        bool bAlongK = s.BStrideK <= s.BStrideCol;
        int bCol = bAlongK ? tid >> 1 : (tid & 31) * 4, bK = bAlongK ? (tid & 1) * 4 : tid >> 5;
        long bStep = bAlongK ? s.BStrideK : s.BStrideCol;
        int bShared = bK * GpuTile + bCol, bSharedStep = bAlongK ? GpuTile : 1;
        bool aQuads = (s.Quads & QuadsA) != 0, bQuads = (s.Quads & QuadsB) != 0;

        var r0 = default(Row8<T>); var r1 = default(Row8<T>); var r2 = default(Row8<T>); var r3 = default(Row8<T>);
        var r4 = default(Row8<T>); var r5 = default(Row8<T>); var r6 = default(Row8<T>); var r7 = default(Row8<T>);
        int slices = (s.K + GpuDepth - 1) / GpuDepth;
        if (slices > 0)
        {
            var qa = StageA(s, a, 0, row0 + aRow, aK, aAlongK, aStep, aQuads);
            var qb = StageB(s, b, 0, col0 + bCol, bK, bAlongK, bStep, bQuads);
            Put(sa, aShared, aSharedStep, qa);
            Put(sb, bShared, bSharedStep, qb);
            Group.Barrier();
            for (int slice = 0; slice < slices; slice++)
            {
                int cur = (slice & 1) * stage;
                bool more = slice + 1 < slices;
                if (more)
                {
                    // Issued before the arithmetic so that the global loads are in flight while it runs.
                    qa = StageA(s, a, (slice + 1) * GpuDepth, row0 + aRow, aK, aAlongK, aStep, aQuads);
                    qb = StageB(s, b, (slice + 1) * GpuDepth, col0 + bCol, bK, bAlongK, bStep, bQuads);
                }
                for (int kk = 0; kk < GpuDepth; kk++)
                {
                    int at = (cur + kk * GpuTile) >> 2;
                    var x0 = sa4[at + ty]; var x1 = sa4[at + 16 + ty];
                    var y0 = sb4[at + tx]; var y1 = sb4[at + 16 + tx];
                    r0 = Row8<T>.Fma(r0, x0.X, y0, y1); r1 = Row8<T>.Fma(r1, x0.Y, y0, y1);
                    r2 = Row8<T>.Fma(r2, x0.Z, y0, y1); r3 = Row8<T>.Fma(r3, x0.W, y0, y1);
                    r4 = Row8<T>.Fma(r4, x1.X, y0, y1); r5 = Row8<T>.Fma(r5, x1.Y, y0, y1);
                    r6 = Row8<T>.Fma(r6, x1.Z, y0, y1); r7 = Row8<T>.Fma(r7, x1.W, y0, y1);
                }
                if (more)
                {
                    // The other stage was last read before the previous barrier: safe to overwrite now.
                    int next = stage - cur;
                    Put(sa, next + aShared, aSharedStep, qa);
                    Put(sb, next + bShared, bSharedStep, qb);
                }
                Group.Barrier();
            }
        }
        int i0 = row0 + ty * 4, i1 = row0 + 64 + ty * 4;
        int j0 = col0 + tx * 4, j1 = col0 + 64 + tx * 4;
        StoreRow<T, TAct>(s, c, bias, i0, j0, j1, r0); StoreRow<T, TAct>(s, c, bias, i0 + 1, j0, j1, r1);
        StoreRow<T, TAct>(s, c, bias, i0 + 2, j0, j1, r2); StoreRow<T, TAct>(s, c, bias, i0 + 3, j0, j1, r3);
        StoreRow<T, TAct>(s, c, bias, i1, j0, j1, r4); StoreRow<T, TAct>(s, c, bias, i1 + 1, j0, j1, r5);
        StoreRow<T, TAct>(s, c, bias, i1 + 2, j0, j1, r6); StoreRow<T, TAct>(s, c, bias, i1 + 3, j0, j1, r7);
    }

    /// <summary>The 4 elements of op(A) a thread stages for the slice at <paramref name="k0"/>, zero past the edges.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Quad<T> StageA<T>(in GemmShape<T> s, ArrayView<T> a, int k0, int row, int k, bool alongK, long step, bool quads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int gk = k0 + k;
        // Past the edge the elements still inside form a prefix of the 4.
        int inside = alongK
            ? (row < s.M ? Math.Max(0, Math.Min(4, s.K - gk)) : 0)
            : (gk < s.K ? Math.Max(0, Math.Min(4, s.M - row)) : 0);
        return Read(a, (long)row * s.AStrideRow + (long)gk * s.AStrideK, step, inside, quads);
    }

    /// <summary>The 4 elements of op(B) a thread stages for the slice at <paramref name="k0"/>, zero past the edges.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Quad<T> StageB<T>(in GemmShape<T> s, ArrayView<T> b, int k0, int col, int k, bool alongK, long step, bool quads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int gk = k0 + k;
        int inside = alongK
            ? (col < s.N ? Math.Max(0, Math.Min(4, s.K - gk)) : 0)
            : (gk < s.K ? Math.Max(0, Math.Min(4, s.N - col)) : 0);
        return Read(b, (long)gk * s.BStrideK + (long)col * s.BStrideCol, step, inside, quads);
    }

    /// <summary>
    /// x[at + j·step] for j &lt; inside, zero beyond. With <paramref name="quads"/> (step 1, the launcher checked that every
    /// quad-aligned offset is 16-byte aligned) a full quad is one vector load; <paramref name="at"/> is a multiple of 4 then.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Quad<T> Read<T>(ArrayView<T> x, long at, long step, int inside, bool quads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (quads && inside == 4)
            return x.Cast<Quad<T>>().AsAligned(4 * Interop.SizeOf<T>())[at >> 2];
        Quad<T> q;
        q.X = inside > 0 ? x[at] : T.Zero;
        q.Y = inside > 1 ? x[at + step] : T.Zero;
        q.Z = inside > 2 ? x[at + 2 * step] : T.Zero;
        q.W = inside > 3 ? x[at + 3 * step] : T.Zero;
        return q;
    }

    /// <summary>Writes a staged quad into shared memory: 4 consecutive elements (across k), or 4 slices apart (along k).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Put<T>(ArrayView<T> shared, int at, int step, Quad<T> q) where T : unmanaged
    {
        shared[at] = q.X;
        shared[at + step] = q.Y;
        shared[at + 2 * step] = q.Z;
        shared[at + 3 * step] = q.W;
    }

    /// <summary>One accumulator row through the epilogue: columns j0..j0+3 and j1..j1+3 of row i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreRow<T, TAct>(in GemmShape<T> s, ArrayView<T> c, ArrayView<T> bias, int i, int j0, int j1, Row8<T> r)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TAct : struct, IActivation<T>
    {
        if (i >= s.M) return;
        Store<T, TAct>(s, c, bias, i, j0, r.C0); Store<T, TAct>(s, c, bias, i, j0 + 1, r.C1);
        Store<T, TAct>(s, c, bias, i, j0 + 2, r.C2); Store<T, TAct>(s, c, bias, i, j0 + 3, r.C3);
        Store<T, TAct>(s, c, bias, i, j1, r.C4); Store<T, TAct>(s, c, bias, i, j1 + 1, r.C5);
        Store<T, TAct>(s, c, bias, i, j1 + 2, r.C6); Store<T, TAct>(s, c, bias, i, j1 + 3, r.C7);
    }
}
