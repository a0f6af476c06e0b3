using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using ILGPU.Runtime;
using IlgpuAe.Testing;
using static IlgpuAe.Tests.Kernels.KernelHarness;
using static IlgpuAe.Tests.Support.GradAssert;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// Log-sum-exp and softmax over rows: the kernels equal the double reference on every shape and launch shape
/// (outputs poisoned with NaN, backward overwriting and accumulating), stay finite where a naive exp overflows, and as
/// graph ops their gradients equal central finite differences on random shapes.
/// </summary>
public sealed class SoftmaxKernelTests
{
    public static TheoryData<int, int, int> Cases()
    {
        var data = new TheoryData<int, int, int>();
        foreach (var (rows, cols) in new[] { (1, 1), (1, 10), (7, 1), (9, 33), (64, 10) })
            for (int s = 0; s < ShapeCount; s++) data.Add(rows, cols, s);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void LogSumExp_and_softmax_equal_the_reference_forward_and_backward(int rows, int cols, int shape)
    {
        Check<float>(rows, cols, shape, offset: 0);
        Check<double>(rows, cols, shape, offset: 0);
        // exp(800) overflows even a double: only the max-subtracted form gives an answer.
        Check<double>(rows, cols, shape, offset: 800);
        Check<float>(rows, cols, shape, offset: 200);
    }

    static void Check<T>(int rows, int cols, int shape, double offset) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = rows * cols;
        var x = Rounded<T>(RandomValues(n + cols, n, -3, 3).Select(v => v + offset).ToArray());
        var dRow = Rounded<T>(RandomValues(rows + 3, rows));
        var dy = Rounded<T>(RandomValues(n + 5, n));
        var prior = Rounded<T>(RandomValues(n + 9, n));
        using var bx = Upload<T>(x);
        using var bdRow = Upload<T>(dRow);
        using var bdy = Upload<T>(dy);
        var loop = Shape(shape, rows);
        // exp(x − lse) inherits lse's rounding, which is relative to the offset row values.
        double scale = 4 + 0.05 * offset;

        using var lse = Poisoned<T>(rows);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, int>(SoftmaxKernels.LogSumExp)(loop.Threads, loop, bx.View, lse.View, cols);
        var expectedLse = SoftmaxReference.LogSumExp(x, cols);
        AssertClose<T>(expectedLse, Download(lse), scale: 4, what: "logsumexp");

        var softmax = SoftmaxReference.Softmax(x, cols);
        var lseGrad = softmax.Select((s, i) => dRow[i / cols] * s).ToArray();
        var lseBackward = Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(SoftmaxKernels.LogSumExpBackward);
        using var dx0 = Poisoned<T>(n);
        lseBackward(loop.Threads, loop, bx.View, lse.View, bdRow.View, dx0.View, cols, T.Zero);
        AssertClose<T>(lseGrad, Download(dx0), scale: scale, what: "logsumexp'");
        using var dx1 = Upload<T>(prior);
        lseBackward(loop.Threads, loop, bx.View, lse.View, bdRow.View, dx1.View, cols, T.One);
        AssertClose<T>(lseGrad.Select((g, i) => g + prior[i]).ToArray(), Download(dx1), scale: scale, what: "logsumexp' accumulated");

        using var y = Poisoned<T>(n);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, int>(SoftmaxKernels.Forward)(loop.Threads, loop, bx.View, y.View, cols);
        AssertClose<T>(softmax, Download(y), scale: 4, what: "softmax");

        var grad = SoftmaxReference.SoftmaxBackward(x, dy, cols);
        var backward = Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(SoftmaxKernels.Backward);
        using var sx0 = Poisoned<T>(n);
        backward(loop.Threads, loop, y.View, bdy.View, sx0.View, cols, T.Zero);
        AssertClose<T>(grad, Download(sx0), scale: 4 * cols, what: "softmax'");
        using var sx1 = Upload<T>(prior);
        backward(loop.Threads, loop, y.View, bdy.View, sx1.View, cols, T.One);
        AssertClose<T>(grad.Select((g, i) => g + prior[i]).ToArray(), Download(sx1), scale: 4 * cols, what: "softmax' accumulated");
    }

    [Fact]
    public void A_NaN_in_a_row_makes_only_that_row_NaN()
    {
        var x = RandomValues(5, 12);
        x[7] = double.NaN; // row 1 of [3, 4]
        using var bx = Upload<double>(x);
        using var lse = Poisoned<double>(3);
        using var y = Poisoned<double>(12);
        var loop = Gpu.LoopFor(3);
        Gpu.Load<Loop, ArrayView<double>, ArrayView<double>, int>(SoftmaxKernels.LogSumExp)(loop.Threads, loop, bx.View, lse.View, 4);
        Gpu.Load<Loop, ArrayView<double>, ArrayView<double>, int>(SoftmaxKernels.Forward)(loop.Threads, loop, bx.View, y.View, 4);
        var l = Download(lse);
        var s = Download(y);
        Assert.True(double.IsFinite(l[0]) && double.IsNaN(l[1]) && double.IsFinite(l[2]));
        Assert.All(Enumerable.Range(0, 12), i => Assert.Equal(i / 4 == 1, double.IsNaN(s[i])));
    }

    static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(5).WithQuietOnSuccess(true);

    [Fact]
    public void RowLogSumExp_and_RowSoftmax_match_finite_differences_as_graph_ops()
    {
        var gen = from rows in Gen.Choose(1, 12) from cols in Gen.Choose(1, 12) from seed in Gen.Choose(1, 100000) select (rows, cols, seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var rng = new Random(c.seed);
            OpInput Any() => OpInput.Uniform(c.rows, c.cols, rng, scale: 3);
            var options = new GradCheckOptions { PerParameter = 24, WeightSeed = c.seed };
            Holds(GradCheck.Op(TestDevice.Cpu, [Any()], (g, p) => g.RowLogSumExp(p[0]), options));
            Holds(GradCheck.Op(TestDevice.Cpu, [Any()], (g, p) => g.RowSoftmax(p[0]), options));
            // log-softmax written from the two: x − lse broadcast over the row.
            Holds(GradCheck.Op(TestDevice.Cpu, [Any()], (g, p) => g.Subtract(p[0], g.BroadcastColumn(g.RowLogSumExp(p[0]), c.cols)), options));
        }).Check(Runs);
    }

    [Fact]
    public void The_graph_ops_compute_their_reference_values()
    {
        OpInput[] x = [new OpInput(2, 3, [0.5, 1, 2, 1000, 999, -3])];
        Assert.Equal(SoftmaxReference.LogSumExp(x[0].Values, 3), GradCheck.Forward(TestDevice.Cpu, x, (g, p) => g.RowLogSumExp(p[0])));
        var softmax = GradCheck.Forward(TestDevice.Cpu, x, (g, p) => g.RowSoftmax(p[0]));
        AssertClose<double>(SoftmaxReference.Softmax(x[0].Values, 3), softmax);
        Assert.Equal(1.0, softmax.Take(3).Sum(), 14);
        Assert.Equal(1.0, softmax.Skip(3).Sum(), 14);
    }
}
