using ILGPU.IR.Intrinsics;
using static IlgpuAe.Kernels.CpuIntrinsics;

namespace IlgpuAe.Kernels;

// The CPU-accelerator bodies of the reductions (see CpuIntrinsics).
public static partial class ReductionKernels
{
    /// <summary>partial[t] = Σ x[i]² over the elements thread t owns (phase 1 of a squared L2 norm; phase 2 is SumPartials)</summary>
    public static void CpuSquaredNorm(Index1D t, Loop loop, ArrayView<float> x, ArrayView<float> partial)
    {
        int n = (int)x.Length;
        var acc = new CompensatedSum<float>();
        for (int b = loop.First(t); b < n; b += loop.Step) acc.Add(SquaredNormRun(x, b, loop.End(b, n)));
        partial[t] = acc.Value;
    }

    /// <summary>
    /// y[c] = beta·y[c] + scale·Σ_r x[r, c]  (loop over columns). Rows are added in ascending order and in the same blocks
    /// for every column, as in <see cref="ColumnSums{T}"/>, but a thread sweeps its columns row by row, so reads are contiguous.
    /// </summary>
    public static void CpuColumnSums(Index1D t, Loop loop, ArrayView<float> x, ArrayView<float> y, int rows, float scale, float beta)
    {
        int cols = (int)y.Length;
        for (int b = loop.First(t); b < cols; b += loop.Step) ColumnSumsRun(x, y, rows, cols, scale, beta, b, loop.End(b, cols));
    }

    /// <summary>Σ x[i]² over [start, end), blocked and compensated; on the CPU the vectorised .NET body, elsewhere <see cref="SquaredNormRunScalar"/>.</summary>
    [IntrinsicImplementation]
    public static float SquaredNormRun(ArrayView<float> x, int start, int end) => CpuBodies.SquaredNorm(x, start, end);

    /// <summary>y[c] = beta·y[c] + scale·Σ_r x[r, c] for columns [c0, c1) of x [rows, cols]; rows in ascending order.</summary>
    [IntrinsicImplementation]
    public static void ColumnSumsRun(ArrayView<float> x, ArrayView<float> y, int rows, int cols, float scale, float beta, int c0, int c1) =>
        CpuBodies.ColumnSums(x, y, rows, cols, scale, beta, c0, c1);

    /// <summary>The one-element-at-a-time twin of <see cref="SquaredNormRun"/> that PTX and OpenCL compile.</summary>
    public static float SquaredNormRunScalar(ArrayView<float> x, int start, int end)
    {
        var acc = new CompensatedSum<float>();
        acc.AddBlocks(new SquareTerms<float>(x, 0), start, end);
        return acc.Value;
    }

    /// <summary>The one-element-at-a-time twin of <see cref="ColumnSumsRun"/> that PTX and OpenCL compile.</summary>
    public static void ColumnSumsRunScalar(ArrayView<float> x, ArrayView<float> y, int rows, int cols, float scale, float beta, int c0, int c1)
    {
        for (int c = c0; c < c1; c++) Beta.Blend(y, c, beta, scale * CompensatedSum<float>.OfBlocks(new ColumnTerms<float>(x, cols, c), rows));
    }

    internal static void RegisterCpuTwins(ILGPU.Context context)
    {
        Redirect(context, typeof(ReductionKernels), nameof(SquaredNormRun), nameof(SquaredNormRunScalar));
        Redirect(context, typeof(ReductionKernels), nameof(ColumnSumsRun), nameof(ColumnSumsRunScalar));
    }

    // The ordinary .NET bodies behind the helpers; never seen by ILGPU's compiler.
    static unsafe class CpuBodies
    {
        public static float SquaredNorm(ArrayView<float> xv, int start, int end)
        {
            if (end <= start) return 0;
            float* x = Ptr(xv);
            var total = new CompensatedSum<float>();
            int i = start;
            // Blocks of Blocked.Size elements in two vector accumulators; each block's lanes summed and folded in.
            for (; i <= end - Blocked.Size; i += Blocked.Size)
            {
                Vector<float> a0 = default, a1 = default;
                for (int k = i, stop = i + Blocked.Size; k < stop; k += 2 * W)
                {
                    var u = Vector.Load(x + k);
                    var w = Vector.Load(x + k + W);
                    a0 += u * u;
                    a1 += w * w;
                }
                total.Add(Vector.Sum(a0 + a1));
            }
            float tail = 0;
            for (; i < end; i++) tail += x[i] * x[i];
            total.Add(tail);
            return total.Value;
        }

        [ThreadStatic] static float[]? _columns;
        [ThreadStatic] static CompensatedSum<float>[]? _totals;

        public static void ColumnSums(ArrayView<float> xv, ArrayView<float> yv, int rows, int cols, float scale, float beta, int c0, int c1)
        {
            int width = c1 - c0;
            if (width <= 0) return;
            float* x = Ptr(xv), y = Ptr(yv);
            if (_columns is null || _columns.Length < width) _columns = GC.AllocateUninitializedArray<float>(Math.Max(width, 1024), pinned: true);
            if (_totals is null || _totals.Length < width) _totals = new CompensatedSum<float>[Math.Max(width, 1024)];
            var totals = _totals.AsSpan(0, width);
            totals.Clear();
            fixed (float* acc = _columns)
            {
                // Row after row within a block, each column's partial grows in ascending row order, and each block's
                // partial is folded into the column's compensated total: the scalar kernel's order, element for element.
                for (int r0 = 0; r0 < rows; r0 += Blocked.Size)
                {
                    new Span<float>(acc, width).Clear();
                    for (int r = r0, stop = Math.Min(r0 + Blocked.Size, rows); r < stop; r++)
                    {
                        float* row = x + (long)r * cols + c0;
                        int j = 0;
                        for (; j <= width - W; j += W) (Vector.Load(acc + j) + Vector.Load(row + j)).Store(acc + j);
                        for (; j < width; j++) acc[j] += row[j];
                    }
                    for (int j = 0; j < width; j++) totals[j].Add(acc[j]);
                }
                for (int j = 0; j < width; j++)
                {
                    float sum = totals[j].Value;
                    y[c0 + j] = beta == 0 ? scale * sum : beta * y[c0 + j] + scale * sum;
                }
            }
        }
    }
}
