namespace IlgpuAe.Kernels;

public static partial class GemmKernels
{
    /// <summary>
    /// CPU body. C[i,j] = act(alpha·Σ_p op(A)[i,p]·op(B)[p,j] + beta·C[i,j] + bias[j]).
    /// Thread t owns the blocks of 4 rows that <paramref name="loop"/> gives it (over ceil(m/4)
    /// blocks) and sweeps them in 4x4 register tiles: no barriers, no shared memory. Raw pointers
    /// because ArrayView indexing on the CPU accelerator costs a bounds/offset computation per
    /// element (measured ~2.5x slower).
    /// </summary>
    public static void Cpu<T, TAct>(Index1D t, Loop loop, GemmShape<T> s,
        ArrayView<T> a, ArrayView<T> b, ArrayView<T> c, ArrayView<T> bias)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TAct : struct, IActivation<T>
    {
        int rowBlocks = (s.M + 3) >> 2;
        if (s.K == 0)
        {
            // The operand views may be empty (even null) then: only the epilogue runs.
            for (int first = loop.First(t); first < rowBlocks; first += loop.Step)
                for (int i = first * 4; i < Math.Min(first + loop.Span, rowBlocks) * 4; i++)
                    for (int j = 0; j < s.N; j++) Store<T, TAct>(s, c, bias, i, j, T.Zero);
            return;
        }
        long ak = s.AStrideK, bk = s.BStrideK;
        for (int first = loop.First(t); first < rowBlocks; first += loop.Step)
        {
            int last = Math.Min(first + loop.Span, rowBlocks);
            for (int rb = first; rb < last; rb++)
            {
                int i0 = rb * 4;
                // Rows and columns past the edge re-read the last one, so that the inner loop stays
                // branch-free; Store drops their results.
                long a0 = (long)i0 * s.AStrideRow;
                long a1 = (long)Math.Min(i0 + 1, s.M - 1) * s.AStrideRow;
                long a2 = (long)Math.Min(i0 + 2, s.M - 1) * s.AStrideRow;
                long a3 = (long)Math.Min(i0 + 3, s.M - 1) * s.AStrideRow;
                for (int j0 = 0; j0 < s.N; j0 += 4)
                {
                    long b0 = (long)j0 * s.BStrideCol;
                    long b1 = (long)Math.Min(j0 + 1, s.N - 1) * s.BStrideCol;
                    long b2 = (long)Math.Min(j0 + 2, s.N - 1) * s.BStrideCol;
                    long b3 = (long)Math.Min(j0 + 3, s.N - 1) * s.BStrideCol;
                    T c00 = T.Zero; T c01 = T.Zero; T c02 = T.Zero; T c03 = T.Zero;
                    T c10 = T.Zero; T c11 = T.Zero; T c12 = T.Zero; T c13 = T.Zero;
                    T c20 = T.Zero; T c21 = T.Zero; T c22 = T.Zero; T c23 = T.Zero;
                    T c30 = T.Zero; T c31 = T.Zero; T c32 = T.Zero; T c33 = T.Zero;
                    for (int p = 0; p < s.K; p++)
                    {
                        long oa = p * ak, ob = p * bk;
                        T x0 = a[a0 + oa], x1 = a[a1 + oa], x2 = a[a2 + oa], x3 = a[a3 + oa];
                        T y0 = b[b0 + ob], y1 = b[b1 + ob], y2 = b[b2 + ob], y3 = b[b3 + ob];
                        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
                        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
                        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
                        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
                    }
                    Store<T, TAct>(s, c, bias, i0, j0, c00); Store<T, TAct>(s, c, bias, i0, j0+1, c01); Store<T, TAct>(s, c, bias, i0, j0+2, c02); Store<T, TAct>(s, c, bias, i0, j0+3, c03);
                    Store<T, TAct>(s, c, bias, i0+1, j0, c10); Store<T, TAct>(s, c, bias, i0+1, j0+1, c11); Store<T, TAct>(s, c, bias, i0+1, j0+2, c12); Store<T, TAct>(s, c, bias, i0+1, j0+3, c13);
                    Store<T, TAct>(s, c, bias, i0+2, j0, c20); Store<T, TAct>(s, c, bias, i0+2, j0+1, c21); Store<T, TAct>(s, c, bias, i0+2, j0+2, c22); Store<T, TAct>(s, c, bias, i0+2, j0+3, c23);
                    Store<T, TAct>(s, c, bias, i0+3, j0, c30); Store<T, TAct>(s, c, bias, i0+3, j0+1, c31); Store<T, TAct>(s, c, bias, i0+3, j0+2, c32); Store<T, TAct>(s, c, bias, i0+3, j0+3, c33);
                }
            }
        }
    }
}
