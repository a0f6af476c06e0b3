using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using ILGPU.Runtime;
using IlgpuAe.Testing;
using static IlgpuAe.Tests.Kernels.KernelHarness;
using static IlgpuAe.Tests.Support.GradAssert;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// Slice, place, concatenate and transpose move every element exactly (bit for bit against the reference, on every
/// launch shape, outputs poisoned), accumulate with beta 1, and as graph ops their gradients equal finite differences.
/// </summary>
public sealed class LayoutKernelTests
{
    public static TheoryData<int, int, int> Cases()
    {
        var data = new TheoryData<int, int, int>();
        foreach (var (rows, cols) in new[] { (1, 1), (1, 9), (9, 1), (7, 64), (33, 13) })
            for (int s = 0; s < ShapeCount; s++) data.Add(rows, cols, s);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Elements_move_exactly(int rows, int cols, int shape)
    {
        Move<float>(rows, cols, shape);
        Move<double>(rows, cols, shape);
    }

    static void Move<T>(int rows, int cols, int shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = rows * cols;
        var x = Rounded<T>(RandomValues(n + 1, n));
        var prior = Rounded<T>(RandomValues(n + 2, n));
        using var bx = Upload<T>(x);
        int start = cols / 3, count = Math.Max(1, cols - start - cols / 4);

        using var slice = Poisoned<T>(rows * count);
        Run(shape, rows * count, loop => Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, int, int, int, T>(LayoutKernels.Columns)(
            loop.Threads, loop, bx.View, slice.View, cols, start, count, T.Zero));
        var expectedSlice = LayoutReference.Slice(x, cols, start, count);
        Assert.Equal(expectedSlice, Download(slice));

        var place = Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, int, int, int, T>(LayoutKernels.PlaceColumns);
        using var placed = Poisoned<T>(n);
        Run(shape, n, loop => place(loop.Threads, loop, slice.View, placed.View, count, start, cols, T.Zero));
        Assert.Equal(LayoutReference.Place(expectedSlice, count, start, cols), Download(placed));
        using var added = Upload<T>(prior);
        Run(shape, n, loop => place(loop.Threads, loop, slice.View, added.View, count, start, cols, T.One));
        AssertClose<T>(LayoutReference.Place(expectedSlice, count, start, cols).Select((v, i) => v + prior[i]).ToArray(), Download(added));

        var b = Rounded<T>(RandomValues(n + 3, rows * 3));
        using var bb = Upload<T>(b);
        using var joined = Poisoned<T>(n + rows * 3);
        Run(shape, n + rows * 3, loop => Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int>(LayoutKernels.Concat)(
            loop.Threads, loop, bx.View, bb.View, joined.View, cols, 3));
        Assert.Equal(LayoutReference.Concat(x, cols, b, 3), Download(joined));

        var transpose = Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, int, int, T>(LayoutKernels.Transpose);
        using var xt = Poisoned<T>(n);
        Run(shape, n, loop => transpose(loop.Threads, loop, bx.View, xt.View, rows, cols, T.Zero));
        Assert.Equal(LayoutReference.Transpose(x, rows, cols), Download(xt));
        using var back = Upload<T>(prior);
        Run(shape, n, loop => transpose(loop.Threads, loop, xt.View, back.View, cols, rows, T.One));
        AssertClose<T>(x.Select((v, i) => v + prior[i]).ToArray(), Download(back));
    }

    static void Run(int shape, int n, Action<Loop> launch) => launch(Shape(shape, n));

    static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(5).WithQuietOnSuccess(true);

    [Fact]
    public void Slice_concat_and_transpose_match_finite_differences_as_graph_ops()
    {
        var gen = from rows in Gen.Choose(1, 12) from cols in Gen.Choose(2, 12) from other in Gen.Choose(1, 6)
                  from seed in Gen.Choose(1, 100000) select (rows, cols, other, seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var rng = new Random(c.seed);
            OpInput Any(int cols) => OpInput.Uniform(c.rows, cols, rng, scale: 2);
            var options = new GradCheckOptions { PerParameter = 24, WeightSeed = c.seed };
            int start = rng.Next(c.cols), count = 1 + rng.Next(c.cols - start);
            Holds(GradCheck.Op(TestDevice.Cpu, [Any(c.cols)], (g, p) => g.Slice(p[0], start, count), options));
            Holds(GradCheck.Op(TestDevice.Cpu, [Any(c.cols), Any(c.other)], (g, p) => g.Concat(p[0], p[1]), options));
            Holds(GradCheck.Op(TestDevice.Cpu, [Any(c.cols)], (g, p) => g.Transpose(p[0]), options));
            // One node read by both halves, and two overlapping slices of it: the gradients accumulate.
            Holds(GradCheck.Op(TestDevice.Cpu, [Any(c.cols)], (g, p) => g.Mul(g.Concat(p[0], p[0]), g.Concat(p[0], p[0])), options));
            Holds(GradCheck.Op(TestDevice.Cpu, [Any(c.cols)], (g, p) => g.Mul(g.Slice(p[0], 0, c.cols - 1), g.Slice(p[0], 1, c.cols - 1)), options));
            // x·xᵀ through the transpose op, against MatMul's own transpose flag.
            Holds(GradCheck.Op(TestDevice.Cpu, [Any(c.cols)], (g, p) => g.MatMul(p[0], g.Transpose(p[0])), options));
        }).Check(Runs);
    }

    [Fact]
    public void The_graph_ops_compute_their_reference_values()
    {
        OpInput[] x = [new OpInput(2, 3, [1, 2, 3, 4, 5, 6])];
        OpInput[] xy = [x[0], new OpInput(2, 1, [7, 8])];
        Assert.Equal([2.0, 3, 5, 6], GradCheck.Forward(TestDevice.Cpu, x, (g, p) => g.Slice(p[0], 1, 2)));
        Assert.Equal([1.0, 2, 3, 7, 4, 5, 6, 8], GradCheck.Forward(TestDevice.Cpu, xy, (g, p) => g.Concat(p[0], p[1])));
        Assert.Equal([1.0, 4, 2, 5, 3, 6], GradCheck.Forward(TestDevice.Cpu, x, (g, p) => g.Transpose(p[0])));
    }

    [Fact]
    public void Shape_mistakes_name_the_op_and_the_nodes()
    {
        OpInput[] xy = [new OpInput(2, 3, [1, 2, 3, 4, 5, 6]), new OpInput(3, 1, [7, 8, 9])];
        var concat = Assert.Throws<IlgpuAeException>(() => GradCheck.Forward(TestDevice.Cpu, xy, (g, p) => g.Concat(p[0], p[1])));
        Assert.Contains("concat", concat.Message);
        Assert.Contains("[2x3]", concat.Message);
        Assert.Contains("[3x1]", concat.Message);
        foreach (var (start, count) in new[] { (-1, 2), (2, 2), (0, 0), (3, 1) })
        {
            var slice = Assert.Throws<IlgpuAeException>(() => GradCheck.Forward(TestDevice.Cpu, xy, (g, p) => g.Slice(p[0], start, count)));
            Assert.Contains("slice", slice.Message);
            Assert.Contains("[2x3]", slice.Message);
        }
    }
}
