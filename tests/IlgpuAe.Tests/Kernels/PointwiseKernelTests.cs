using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using ILGPU;
using ILGPU.Runtime;
using IlgpuAe.Kernels;
using IlgpuAe.Ops;
using IlgpuAe.Testing;
using Xunit;
using static IlgpuAe.Tests.Kernels.KernelHarness;
using static IlgpuAe.Tests.Support.GradAssert;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// exp, log, abs, square and sqrt: forward and backward kernels equal the double reference on every size and launch
/// shape (outputs poisoned with NaN, backward both overwriting and accumulating), and as graph ops, with subtract,
/// negate and mean, their gradients equal central finite differences (<see cref="GradCheck"/>) on random shapes.
/// </summary>
public sealed class PointwiseKernelTests
{
    public static TheoryData<PointwiseFunction, int, int> Cases()
    {
        var data = new TheoryData<PointwiseFunction, int, int>();
        foreach (var f in Enum.GetValues<PointwiseFunction>())
            foreach (int n in Sizes)
                for (int s = 0; s < ShapeCount; s++) data.Add(f, n, s);
        return data;
    }

    // log and sqrt need positive inputs; every function is tried away from 0 (abs has its kink there).
    static double[] Inputs(PointwiseFunction f, int n) => f is PointwiseFunction.Log or PointwiseFunction.Sqrt
        ? RandomValues(n, n, 0.05, 3) : RandomValues(n, n);

    [Theory, MemberData(nameof(Cases))]
    public void Forward_and_backward_equal_the_reference(PointwiseFunction f, int n, int shape)
    {
        Check<float>(f, n, shape);
        Check<double>(f, n, shape);
    }

    static void Check<T>(PointwiseFunction f, int n, int shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = Rounded<T>(Inputs(f, n));
        var dy = Rounded<T>(RandomValues(n + 1, n));
        var prior = Rounded<T>(RandomValues(n + 2, n));
        using var bx = Upload<T>(x);
        using var by = Poisoned<T>(n);
        using var bdy = Upload<T>(dy);
        using var bdx = Poisoned<T>(n);
        using var bacc = Upload<T>(prior);
        var loop = Shape(shape, n);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, int>(PointwiseKernels.Forward)(loop.Threads, loop, bx.View, by.View, (int)f);
        AssertClose<T>(x.Select(v => PointwiseReference.Forward(f, v)).ToArray(), Download(by), what: $"{f}");
        var backward = Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(PointwiseKernels.Backward);
        backward(loop.Threads, loop, bx.View, by.View, bdy.View, bdx.View, (int)f, T.Zero);
        var grad = x.Select((v, i) => dy[i] * PointwiseReference.Derivative(f, v)).ToArray();
        AssertClose<T>(grad, Download(bdx), scale: 4, what: $"{f}'");
        backward(loop.Threads, loop, bx.View, by.View, bdy.View, bacc.View, (int)f, T.One);
        AssertClose<T>(grad.Select((g, i) => g + prior[i]).ToArray(), Download(bacc), scale: 4, what: $"{f}' accumulated");
    }

    static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(5).WithQuietOnSuccess(true);

    [Fact]
    public void Every_function_subtract_negate_and_mean_match_finite_differences_as_graph_ops()
    {
        var gen = from rows in Gen.Choose(1, 24) from cols in Gen.Choose(1, 24) from seed in Gen.Choose(1, 100000) select (rows, cols, seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var rng = new Random(c.seed);
            OpInput Any() => OpInput.Uniform(c.rows, c.cols, rng, scale: 2, awayFromZero: 0.05);
            OpInput Positive() => OpInput.From(c.rows, c.cols, () => 0.1 + 2 * rng.NextDouble());
            var options = new GradCheckOptions { PerParameter = 24, WeightSeed = c.seed };
            Holds(GradCheck.Op(TestDevice.Cpu, [Any()], (g, p) => g.Exp(p[0]), options));
            Holds(GradCheck.Op(TestDevice.Cpu, [Positive()], (g, p) => g.Log(p[0]), options));
            Holds(GradCheck.Op(TestDevice.Cpu, [Any()], (g, p) => g.Abs(p[0]), options));
            Holds(GradCheck.Op(TestDevice.Cpu, [Any()], (g, p) => g.Square(p[0]), options));
            Holds(GradCheck.Op(TestDevice.Cpu, [Positive()], (g, p) => g.Sqrt(p[0]), options));
            Holds(GradCheck.Op(TestDevice.Cpu, [Any(), Any()], (g, p) => g.Subtract(p[0], p[1]), options));
            Holds(GradCheck.Op(TestDevice.Cpu, [Any()], (g, p) => g.Negate(p[0]), options));
            Holds(GradCheck.Op(TestDevice.Cpu, [Any()], (g, p) => g.Mean(g.Exp(p[0])), options));
            // The same node read twice: the second read accumulates into the first's gradient.
            Holds(GradCheck.Op(TestDevice.Cpu, [Positive()], (g, p) => g.Subtract(g.Log(p[0]), g.Sqrt(p[0])), options));
        }).Check(Runs);
    }

    [Fact]
    public void The_graph_ops_compute_their_reference_values()
    {
        OpInput[] x = [new OpInput(2, 3, [0.5, 1, 2, 3, 0.25, 4])];
        OpInput[] y = [new OpInput(2, 3, [1, -2, 0.5, -0.25, 3, 1])];
        foreach (var f in Enum.GetValues<PointwiseFunction>())
        {
            var value = GradCheck.Forward(TestDevice.Cpu, x, (g, p) => g.Add(new PointwiseOp<double>(p[0], f), 2, 3));
            Assert.Equal(x[0].Values.Select(v => PointwiseReference.Forward(f, v)), value);
        }
        Assert.Equal([-0.5, 3, 1.5, 3.25, -2.75, 3], GradCheck.Forward(TestDevice.Cpu, [x[0], y[0]], (g, p) => g.Subtract(p[0], p[1])));
        Assert.Equal(x[0].Values.Average(), GradCheck.Forward(TestDevice.Cpu, x, (g, p) => g.Mean(p[0]))[0], 14);
    }
}
