using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using ILGPU;
using IlgpuAe.Kernels;
using IlgpuAe.Ops;
using IlgpuAe.Testing;
using Xunit;
using static IlgpuAe.Tests.Kernels.KernelHarness;
using static IlgpuAe.Tests.Support.GradAssert;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// The MMD² U-statistic under the IMQ and RBF kernels: row partials summing to the double reference's MMD² and the gradient
/// to z equal to the reference's (overwriting and accumulating) in float and double on every launch shape; as a graph op its
/// gradient equals central finite differences; it vanishes in expectation for codes drawn from the prior itself.
/// </summary>
public sealed class MmdKernelTests
{
    public static TheoryData<int, int, int> Cases()
    {
        var data = new TheoryData<int, int, int>();
        foreach (int kind in new[] { MmdKernels.Imq, MmdKernels.Rbf })
            foreach (int n in new[] { 2, 7, 64 })
                for (int s = 0; s < ShapeCount; s++) data.Add(kind, n, s);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Row_partials_and_the_gradient_equal_the_reference(int kind, int n, int shape)
    {
        Check<float>(kind, n, shape);
        Check<double>(kind, n, shape);
    }

    static void Check<T>(int kind, int n, int shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int dim = 3;
        const double c = 2.0 * dim;
        var z = Rounded<T>(RandomValues(n, n * dim));
        var p = Rounded<T>(RandomValues(n + 1, n * dim));
        var prior = Rounded<T>(RandomValues(n + 2, n * dim));
        using var bz = Upload<T>(z);
        using var bp = Upload<T>(p);
        using var brow = Poisoned<T>(n);
        using var bg = Upload<T>([0.8]);
        using var bdz = Poisoned<T>(n * dim);
        using var bacc = Upload<T>(prior);
        T same = T.CreateTruncating(1.0 / (n * (n - 1.0))), cross = T.CreateTruncating(2.0 / (n * (double)n)), ct = T.CreateTruncating(c);
        var loop = Shape(shape, n);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int, T, T, T>(MmdKernels.RowsForward)(loop.Threads, loop, bz.View, bp.View, brow.View, dim, kind, ct, same, cross);
        AssertClose<T>([MmdReference.Mmd(z, p, dim, kind, c)], [Download(brow).Sum()], 4 * n, "mmd²");
        var back = Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int, T, T, T, T, T>(MmdKernels.Backward);
        var grad = MmdReference.MmdGrad(z, p, dim, kind, c, 0.8 * 0.5);
        back(loop.Threads, loop, bz.View, bp.View, bg.View, bdz.View, dim, kind, ct, same, cross, T.CreateTruncating(0.5), T.Zero);
        AssertClose<T>(grad, Download(bdz), 4 * n, "dz");
        back(loop.Threads, loop, bz.View, bp.View, bg.View, bacc.View, dim, kind, ct, same, cross, T.CreateTruncating(0.5), T.One);
        AssertClose<T>(grad.Select((g, i) => g + prior[i]).ToArray(), Download(bacc), 4 * n, "dz accumulated");
    }

    static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(6).WithQuietOnSuccess(true);

    [Fact]
    public void As_a_graph_op_its_gradient_matches_finite_differences()
    {
        var gen = from n in Gen.Choose(2, 9) from d in Gen.Choose(1, 5) from rbf in Gen.Elements(false, true) from seed in Gen.Choose(1, 100000) select (n, d, rbf, seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var rng = new Random(c.seed);
            var kernel = c.rbf ? MmdKernel.Rbf : MmdKernel.Imq;
            // The prior samples take no gradient: a fixed draw of the graph, not a checked input.
            Holds(GradCheck.Op(TestDevice.Cpu, [OpInput.Uniform(c.n, c.d, rng, scale: 1.5)],
                (g, p) => g.Mmd(p[0], g.Noise(c.d, c.n), kernel, 2.0 * c.d), new GradCheckOptions { WeightSeed = c.seed, PlanStep = 5 }));
        }).Check(Runs);
    }

    [Fact]
    public void Codes_from_the_prior_give_an_mmd_near_zero_and_shifted_codes_a_clearly_positive_one()
    {
        var rng = new Random(3);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        const int n = 200, d = 2;
        var p = Enumerable.Range(0, n * d).Select(_ => Normal()).ToArray();
        var same = Enumerable.Range(0, n * d).Select(_ => Normal()).ToArray();
        var shifted = same.Select(v => v + 2).ToArray();
        foreach (int kind in new[] { MmdKernels.Imq, MmdKernels.Rbf })
        {
            double near = MmdReference.Mmd(same, p, d, kind, 2.0 * d), far = MmdReference.Mmd(shifted, p, d, kind, 2.0 * d);
            Assert.True(Math.Abs(near) < 0.02 && far > 10 * Math.Abs(near) && far > 0.1, $"kernel {kind}: {near} for prior codes, {far} shifted by 2");
        }
    }

    [Fact]
    public void Fewer_than_two_rows_or_a_scale_that_is_not_positive_are_refused()
    {
        using var store = new ParameterStore<double>(TestDevice.Cpu, 1);
        var g = new IlgpuAe.Graph.GraphBuilder<double>(store, 1, training: false);
        var one = g.Input("z", 3);
        Assert.Contains("at least 2 rows", Assert.Throws<IlgpuAeException>(() => g.Mmd(one, g.Noise(3), MmdKernel.Imq, 6)).Message);
        var two = g.Input("z2", 3, 2);
        Assert.Contains("positive kernel scale", Assert.Throws<IlgpuAeException>(() => g.Mmd(two, g.Noise(3, 2), MmdKernel.Rbf, 0)).Message);
    }
}
