using System.Numerics;
using ILGPU.Runtime;
using static IlgpuAe.Tests.Kernels.KernelHarness;
using IlgpuAe.Compute;
namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// Reductions equal their double reference (to rounding that grows with the number of terms)
/// and are deterministic: the same launch gives the same bits every time.
/// </summary>
public sealed class ReductionKernelTests
{
    public static TheoryData<int, int> Cases() => SizesAndShapes();

    public static TheoryData<int, int, int> MatrixCases()
    {
        var data = new TheoryData<int, int, int>();
        foreach (var (rows, cols) in new[] { (1, 1), (1, 7), (7, 1), (7, 64), (64, 7), (33, 130) })
            for (int s = 0; s < ShapeCount; s++) data.Add(rows, cols, s);
        return data;
    }

    [Theory, MemberData(nameof(MatrixCases))]
    public void RowSums_and_ColumnSums_match_the_reference_with_and_without_accumulation(int rows, int cols, int shape)
    {
        RowAndColumn<float>(rows, cols, shape);
        RowAndColumn<double>(rows, cols, shape);
    }

    static void RowAndColumn<T>(int rows, int cols, int shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = RandomValues(rows * 31 + cols, rows * cols);
        using var dx = Upload<T>(x);
        var rowSums = Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, int, T, T>(ReductionKernels.RowSums);
        var colSums = Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, int, T, T>(ReductionKernels.ColumnSums);
        var rowLoop = Shape(shape, rows);
        var colLoop = Shape(shape, cols);
        T scale = T.CreateTruncating(0.25), half = T.CreateTruncating(0.5);

        using var r0 = Poisoned<T>(rows);
        rowSums(rowLoop.Threads, rowLoop, dx.View, r0.View, cols, scale, T.Zero);
        var expectedRows = ReductionReference.RowSums(x, rows, cols, 0.25);
        AssertClose<T>(expectedRows, Download(r0), scale: cols, what: "row sums");

        var prior = RandomValues(9, rows);
        using var r1 = Upload<T>(prior);
        rowSums(rowLoop.Threads, rowLoop, dx.View, r1.View, cols, scale, half);
        AssertClose<T>(expectedRows.Select((v, i) => 0.5 * prior[i] + v).ToArray(), Download(r1), scale: cols, what: "row sums, beta=0.5");

        using var c0 = Poisoned<T>(cols);
        colSums(colLoop.Threads, colLoop, dx.View, c0.View, rows, scale, T.Zero);
        var expectedCols = ReductionReference.ColumnSums(x, rows, cols, 0.25);
        AssertClose<T>(expectedCols, Download(c0), scale: rows, what: "column sums");

        var priorCols = RandomValues(10, cols);
        using var c1 = Upload<T>(priorCols);
        colSums(colLoop.Threads, colLoop, dx.View, c1.View, rows, scale, half);
        AssertClose<T>(expectedCols.Select((v, i) => 0.5 * priorCols[i] + v).ToArray(), Download(c1), scale: rows, what: "column sums, beta=0.5");
    }

    [Theory, MemberData(nameof(Cases))]
    public void Sum_SquaredNorm_and_Max_match_the_reference(int n, int shape)
    {
        Whole<float>(n, shape);
        Whole<double>(n, shape);
    }

    static void Whole<T>(int n, int shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = RandomValues(n + 17, n);
        var loop = Shape(shape, n);
        using var dx = Upload<T>(x);

        Assert.Equal(ReductionReference.Sum(x, 0.5), SumOf<T>(dx, loop, ReductionKernels.Sum, T.CreateTruncating(0.5)), Tolerance<T>() * n * 4);
        Assert.Equal(ReductionReference.SquaredNorm(x), SumOf<T>(dx, loop, ReductionKernels.SquaredNorm, T.One), Tolerance<T>() * n * 8);
        Assert.Equal(ReductionReference.Max(Rounded<T>(x)), MaxOf<T>(dx, loop));

        // Accumulating phase 2: y = beta·y + scale·Σ.
        using var partial = Poisoned<T>(loop.Threads);
        using var y = Upload<T>([3.0]);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>>(ReductionKernels.Sum)(loop.Threads, loop, dx.View, partial.View);
        Gpu.Load<ArrayView<T>, ArrayView<T>, int, T, T>(ReductionKernels.SumPartials)(1, partial.View, y.View, loop.Threads, T.One, T.CreateTruncating(-2.0));
        Assert.Equal(-6.0 + x.Sum(), Download(y)[0], Tolerance<T>() * n * 8);
    }

    [Fact]
    public void Max_propagates_NaN_and_ignores_threads_without_elements()
    {
        var x = RandomValues(3, 10);
        x[6] = double.NaN;
        using var dx = Upload<double>(x);
        Assert.True(double.IsNaN(MaxOf<double>(dx, Loop.Chunked(10, 3))));

        // 16 threads for 10 elements: six threads own nothing and must report −∞, not garbage.
        using var clean = Upload<double>(RandomValues(3, 10));
        Assert.Equal(ReductionReference.Max(RandomValues(3, 10)), MaxOf<double>(clean, new Loop(16, 1)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Repeated_launches_give_bit_identical_results(int shape)
    {
        const int rows = 128, cols = 257;
        var x = RandomValues(42, rows * cols, -1000, 1000);
        using var dx = Upload<float>(x);
        var loop = Shape(shape, rows * cols);

        var first = Bits(dx, loop, rows, cols);
        for (int k = 0; k < 4; k++)
            Assert.Equal(first, Bits(dx, loop, rows, cols));
    }

    [Fact]
    public void Row_and_column_sums_do_not_depend_on_the_launch_shape()
    {
        // One thread owns a whole row (column) and adds it in index order, whatever the shape.
        const int rows = 37, cols = 53;
        using var dx = Upload<float>(RandomValues(7, rows * cols, -1000, 1000));
        var shapes = Enumerable.Range(0, ShapeCount).Select(s => RowColumnBits(dx, s, rows, cols)).ToList();
        Assert.All(shapes, s => Assert.Equal(shapes[0], s));
    }

    static int[] RowColumnBits(MemoryBuffer1D<float, Stride1D.Dense> dx, int shape, int rows, int cols)
    {
        using var r = Poisoned<float>(rows);
        using var c = Poisoned<float>(cols);
        var rl = Shape(shape, rows);
        var cl = Shape(shape, cols);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, int, float, float>(ReductionKernels.RowSums)(rl.Threads, rl, dx.View, r.View, cols, 1f, 0f);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, int, float, float>(ReductionKernels.ColumnSums)(cl.Threads, cl, dx.View, c.View, rows, 1f, 0f);
        Gpu.Synchronize();
        return r.GetAsArray1D().Concat(c.GetAsArray1D()).Select(BitConverter.SingleToInt32Bits).ToArray();
    }

    static int[] Bits(MemoryBuffer1D<float, Stride1D.Dense> dx, Loop loop, int rows, int cols)
    {
        float sum = (float)SumOf<float>(dx, loop, ReductionKernels.Sum, 1f);
        float norm = (float)SumOf<float>(dx, loop, ReductionKernels.SquaredNorm, 1f);
        float max = (float)MaxOf<float>(dx, loop);
        int shape = loop.Span == 1 ? 2 : 1;
        return [BitConverter.SingleToInt32Bits(sum), BitConverter.SingleToInt32Bits(norm), BitConverter.SingleToInt32Bits(max),
            .. RowColumnBits(dx, shape, rows, cols)];
    }

    static double SumOf<T>(MemoryBuffer1D<T, Stride1D.Dense> x, Loop loop, Action<Index1D, Loop, ArrayView<T>, ArrayView<T>> phase1, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var partial = Poisoned<T>(loop.Threads);
        using var y = Poisoned<T>(1);
        Gpu.Load(phase1)(loop.Threads, loop, x.View, partial.View);
        Gpu.Load<ArrayView<T>, ArrayView<T>, int, T, T>(ReductionKernels.SumPartials)(1, partial.View, y.View, loop.Threads, scale, T.Zero);
        return Download(y)[0];
    }

    static double MaxOf<T>(MemoryBuffer1D<T, Stride1D.Dense> x, Loop loop) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var partial = Poisoned<T>(loop.Threads);
        using var y = Poisoned<T>(1);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>>(ReductionKernels.Max)(loop.Threads, loop, x.View, partial.View);
        Gpu.Load<ArrayView<T>, ArrayView<T>, int>(ReductionKernels.MaxPartials)(1, partial.View, y.View, loop.Threads);
        return Download(y)[0];
    }

    // The float CPU-accelerator body (Reduction.Cpu.cs) against the same double reference and, where it promises
    // to, the generic kernel's bits: awkward sizes (vector tails, one element, fewer elements than threads), every
    // launch shape, outputs poisoned with NaN.

    public static TheoryData<int, int> CpuCases() => SizesAndShapes();

    public static TheoryData<int, int, int> CpuMatrixCases()
    {
        var data = new TheoryData<int, int, int>();
        foreach (var (rows, cols) in new[] { (1, 1), (1, 37), (7, 1), (7, 64), (33, 130), (128, 784) })
            for (int s = 0; s < ShapeCount; s++) data.Add(rows, cols, s);
        return data;
    }

    [Theory, MemberData(nameof(CpuCases))]
    public void SquaredNorm_partials_add_up_to_the_reference(int n, int shape)
    {
        var x = RandomValues(n + 5, n);
        var loop = Shape(shape, n);
        using var dx = Upload<float>(x);
        using var partial = Poisoned<float>(loop.Threads);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>>(ReductionKernels.CpuSquaredNorm)(loop.Threads, loop, dx.View, partial.View);
        var parts = Download(partial);
        Assert.All(parts, v => Assert.False(double.IsNaN(v), "a thread left its partial unwritten"));
        Assert.Equal(ReductionReference.SquaredNorm(x), parts.Sum(), Tolerance<float>() * n * 8);
    }

    [Theory, MemberData(nameof(CpuMatrixCases))]
    public void ColumnSums_match_the_reference_and_the_generic_kernel_bit_for_bit(int rows, int cols, int shape)
    {
        var x = RandomValues(rows * 31 + cols, rows * cols);
        using var dx = Upload<float>(x);
        var loop = Shape(shape, cols);
        var fast = Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, int, float, float>(ReductionKernels.CpuColumnSums);
        using var y = Poisoned<float>(cols);
        fast(loop.Threads, loop, dx.View, y.View, rows, 0.25f, 0f);
        var expected = ReductionReference.ColumnSums(x, rows, cols, 0.25);
        var got = Download(y);
        AssertClose<float>(expected, got, scale: rows, what: "column sums");

        // Same order of additions per column as ReductionKernels.ColumnSums: the same bits.
        using var generic = Poisoned<float>(cols);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, int, float, float>(ReductionKernels.ColumnSums)(loop.Threads, loop, dx.View, generic.View, rows, 0.25f, 0f);
        Assert.Equal(Download(generic), got);

        var prior = RandomValues(10, cols);
        using var acc = Upload<float>(prior);
        fast(loop.Threads, loop, dx.View, acc.View, rows, 0.25f, 0.5f);
        AssertClose<float>(expected.Select((v, i) => 0.5 * prior[i] + v).ToArray(), Download(acc), scale: rows, what: "column sums, beta=0.5");
    }

    // Float sums of 200,000 terms against double: positive terms (the squares of a norm), and mixed signs with a mean
    // away from zero (so the total is not a cancellation), on the device's own launch shape and the other two.

    public static TheoryData<int, bool> LongCases()
    {
        var data = new TheoryData<int, bool>();
        for (int s = 0; s < ShapeCount; s++)
        {
            data.Add(s, true);
            data.Add(s, false);
        }
        return data;
    }

    static double[] LongInput(int seed, bool positive, int n = LongSum) =>
        Rounded<float>(RandomValues(seed, n, positive ? 0.05 : -1, positive ? 1 : 2.5));

    [Theory, MemberData(nameof(LongCases))]
    public void A_sum_and_a_squared_norm_of_200000_floats_are_within_1e6_of_double(int shape, bool positive)
    {
        var x = LongInput(11, positive);
        var loop = Shape(shape, x.Length);
        using var dx = Upload<float>(x);
        WithinOneMicro([x.Sum()], [SumOf<float>(dx, loop, ReductionKernels.Sum, 1f)], "sum");
        WithinOneMicro([x.Sum(v => v * v)], [SumOf<float>(dx, loop, ReductionKernels.SquaredNorm, 1f)], "squared norm (generic)");
        using var partial = Poisoned<float>(loop.Threads);
        using var y = Poisoned<float>(1);
        ReductionLaunch.SquaredNorm<float>(Gpu, loop, dx.View, partial.View);
        ReductionLaunch.SumPartials<float>(Gpu, partial.View, y.View, loop.Threads, 1f, 0f);
        WithinOneMicro([x.Sum(v => v * v)], Download(y), "squared norm (CPU body)");
    }

    [Theory, MemberData(nameof(LongCases))]
    public void Row_and_column_sums_of_200000_floats_are_within_1e6_of_double(int shape, bool positive)
    {
        const int few = 8, many = LongSum / few;
        var x = LongInput(12, positive);
        using var dx = Upload<float>(x);
        var rowLoop = Shape(shape, few);
        using var rows = Poisoned<float>(few);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, int, float, float>(ReductionKernels.RowSums)(rowLoop.Threads, rowLoop, dx.View, rows.View, many, 1f, 0f);
        WithinOneMicro(ReductionReference.RowSums(x, few, many, 1), Download(rows), "row sums");
        using var cols = Poisoned<float>(few);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, int, float, float>(ReductionKernels.ColumnSums)(rowLoop.Threads, rowLoop, dx.View, cols.View, many, 1f, 0f);
        WithinOneMicro(ReductionReference.ColumnSums(x, many, few, 1), Download(cols), "column sums (generic)");
        using var cpuCols = Poisoned<float>(few);
        ReductionLaunch.ColumnSums<float>(Gpu, dx.View, cpuCols.View, many, 1f, 0f);
        WithinOneMicro(ReductionReference.ColumnSums(x, many, few, 1), Download(cpuCols), "column sums (CPU body)");
    }

    [Fact]
    public void Phase_two_adds_many_partials_within_1e6_of_double()
    {
        // A GPU launch leaves tens of thousands of partials for the one thread of phase 2.
        var x = LongInput(13, positive: true);
        using var dx = Upload<float>(x);
        using var y = Poisoned<float>(1);
        Gpu.Load<ArrayView<float>, ArrayView<float>, int, float, float>(ReductionKernels.SumPartials)(1, dx.View, y.View, x.Length, 1f, 0f);
        WithinOneMicro([x.Sum()], Download(y), "sum of partials");
    }
}
