using System.Numerics;

namespace IlgpuAe.Perf;

/// <summary>
/// The yardstick for the ILGPU kernels: a plain .NET Vector&lt;float&gt; GEMM, C = op(A)·op(B), row-major,
/// register-blocked 4 rows x 2 vectors, op(B) packed once into [k, n] so that every case streams rows,
/// rows split over the cores with Parallel.For.
/// </summary>
public static class SimdGemmBaseline
{
    public static void Run(bool transA, bool transB, int m, int n, int k, float[] a, float[] b, float[] c, float[] packedB)
    {
        int w = Vector<float>.Count;
        // op(B) as [k, n] plus padding to a multiple of 2 vectors.
        int np = (n + 2 * w - 1) / (2 * w) * (2 * w);
        for (int p = 0; p < k; p++)
            for (int j = 0; j < np; j++)
                packedB[p * np + j] = j < n ? (transB ? b[j * k + p] : b[p * n + j]) : 0f;
        int blocks = (m + 3) / 4;
        Parallel.For(0, Environment.ProcessorCount, worker =>
        {
            Span<float> tmp = stackalloc float[2 * w];
            int per = (blocks + Environment.ProcessorCount - 1) / Environment.ProcessorCount;
            for (int blk = worker * per; blk < Math.Min(blocks, (worker + 1) * per); blk++)
            {
                int i0 = blk * 4;
                int r1 = Math.Min(i0 + 1, m - 1), r2 = Math.Min(i0 + 2, m - 1), r3 = Math.Min(i0 + 3, m - 1);
                for (int j0 = 0; j0 < np; j0 += 2 * w)
                {
                    Vector<float> c00 = default, c01 = default, c10 = default, c11 = default;
                    Vector<float> c20 = default, c21 = default, c30 = default, c31 = default;
                    for (int p = 0; p < k; p++)
                    {
                        var b0 = new Vector<float>(packedB, p * np + j0);
                        var b1 = new Vector<float>(packedB, p * np + j0 + w);
                        var x0 = new Vector<float>(transA ? a[p * m + i0] : a[i0 * k + p]);
                        var x1 = new Vector<float>(transA ? a[p * m + r1] : a[r1 * k + p]);
                        var x2 = new Vector<float>(transA ? a[p * m + r2] : a[r2 * k + p]);
                        var x3 = new Vector<float>(transA ? a[p * m + r3] : a[r3 * k + p]);
                        c00 = Vector.FusedMultiplyAdd(x0, b0, c00); c01 = Vector.FusedMultiplyAdd(x0, b1, c01);
                        c10 = Vector.FusedMultiplyAdd(x1, b0, c10); c11 = Vector.FusedMultiplyAdd(x1, b1, c11);
                        c20 = Vector.FusedMultiplyAdd(x2, b0, c20); c21 = Vector.FusedMultiplyAdd(x2, b1, c21);
                        c30 = Vector.FusedMultiplyAdd(x3, b0, c30); c31 = Vector.FusedMultiplyAdd(x3, b1, c31);
                    }
                    Put(c, n, i0, j0, c00, c01, m, tmp); Put(c, n, i0 + 1, j0, c10, c11, m, tmp);
                    Put(c, n, i0 + 2, j0, c20, c21, m, tmp); Put(c, n, i0 + 3, j0, c30, c31, m, tmp);
                }
            }
        });
    }

    static void Put(float[] c, int n, int i, int j0, Vector<float> v0, Vector<float> v1, int m, Span<float> tmp)
    {
        if (i >= m) return;
        int w = Vector<float>.Count;
        v0.CopyTo(tmp); v1.CopyTo(tmp[w..]);
        int count = Math.Min(2 * w, n - j0);
        tmp[..count].CopyTo(c.AsSpan(i * n + j0, count));
    }
}
