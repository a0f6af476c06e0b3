using FsCheck;
using ILGPU;
using ILGPU.Runtime;
using FsCheck.Fluent;
using IlgpuAe.Kernels;
using Xunit;
using IlgpuAe.Graph;
using IlgpuAe.Testing;
using static IlgpuAe.Tests.Support.GradAssert;

namespace IlgpuAe.Tests.Regularized;

/// <summary>
/// The sparsity penalties and code statistics as graph ops, on random shapes (1 to 48) and values:
/// forward equals the kernels' double reference, backward equals central differences in double.
/// </summary>
public class SparsityProperties
{
    static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(6).WithQuietOnSuccess(true);

    static Gen<(int Rows, int Cols, int Seed)> Shapes =>
        from rows in Gen.Choose(1, 48) from cols in Gen.Choose(1, 48) from seed in Gen.Choose(1, 100000) select (rows, cols, seed);

    // Away from 0 by 0.01: the L1 kink is not differentiable there, and a ±1e-5 probe must not cross it.
    static double AwayFromZero(Random rng)
    {
        double v = rng.NextDouble() * 4 - 2;
        return Math.Abs(v) < 0.01 ? Math.CopySign(0.01, v) + v : v;
    }

    static GradCheckReport Gradient(OpInput[] inputs, int seed, Func<GraphBuilder<double>, Node<double>[], Node<double>> op) =>
        GradCheck.Op(TestDevice.Cpu, inputs, op, new GradCheckOptions { PerParameter = 40, WeightSeed = seed + 1 });

    [Fact]
    public void L1_penalty_per_image_matches_its_reference_and_finite_differences()
    {
        Prop.ForAll(Shapes.ToArbitrary(), c =>
        {
            var rng = new Random(c.Seed);
            OpInput[] s = [OpInput.From(c.Rows, c.Cols, () => AwayFromZero(rng))];
            double expected = PenaltyReference.L1(s[0].Values, c.Rows, c.Cols).Sum() / c.Rows;
            Close(expected, GradCheck.Forward(TestDevice.Cpu, s, (g, p) => g.L1Penalty(p[0]))[0], what: "L1");
            Holds(Gradient(s, c.Seed, (g, p) => g.L1Penalty(p[0])));
        }).Check(Runs);
    }

    [Fact]
    public void Kl_sparsity_of_sigmoid_codes_matches_its_reference_and_finite_differences()
    {
        var gen = from c in Shapes from rho in Gen.Elements(0.02, 0.1, 0.5, 0.9) select (c.Rows, c.Cols, c.Seed, rho);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var rng = new Random(c.Seed);
            OpInput[] s = [OpInput.From(c.Rows, c.Cols, () => rng.NextDouble() * 6 - 3)];
            var h = s[0].Values.Select(v => 1 / (1 + Math.Exp(-v))).ToArray();
            double expected = PenaltyReference.KlSparsity(h, c.Rows, c.Cols, c.rho).Sum();
            Close(expected, GradCheck.Forward(TestDevice.Cpu, s, (g, p) => g.KlSparsity(g.Apply(p[0], Activation.Sigmoid), c.rho))[0], 1e-10, "KL");
            Holds(Gradient(s, c.Seed, (g, p) => g.KlSparsity(g.Apply(p[0], Activation.Sigmoid), c.rho)));
        }).Check(Runs);
    }

    [Fact]
    public void Code_statistics_match_their_reference_and_pass_no_gradient()
    {
        Prop.ForAll(Shapes.ToArbitrary(), c =>
        {
            // A third of the values are exactly zero or tiny, so that the count is not trivially 0.
            var rng = new Random(c.Seed);
            OpInput[] s = [OpInput.From(c.Rows, c.Cols, () => rng.Next(3) == 0 ? rng.NextDouble() * 2e-3 - 1e-3 : AwayFromZero(rng))];
            var h = s[0].Values;
            Close(h.Average(Math.Abs), GradCheck.Forward(TestDevice.Cpu, s, (g, p) => g.MeanAbs(p[0]))[0], what: "mean |h|");
            Close(CodeStatsReference.RowCountBelow(h, c.Rows, c.Cols, 1e-3).Sum() / h.Length,
                GradCheck.Forward(TestDevice.Cpu, s, (g, p) => g.FractionBelow(p[0], 1e-3))[0], what: "fraction off");
            // Statistics recorded last are the first gradient writers of p: they must zero, not skip.
            using var store = new ParameterStore<double>(TestDevice.Cpu, (ulong)c.Seed);
            var parameter = store.Add("in0", c.Rows, c.Cols, Init.Zeros);
            store.Materialize();
            store.Upload(h);
            var g = new GraphBuilder<double>(store, c.Rows, training: true);
            var node = g.Param(parameter);
            var squares = g.SumOfSquares(node);
            g.Loss("objective", g.Add(squares, g.Add(g.MeanAbs(node), g.FractionBelow(node, 1e-3))));
            using var plan = g.Compile();
            store.Grads.CopyFromCPU(Enumerable.Repeat(double.NaN, h.Length).ToArray());
            plan.Forward();
            plan.Backward();
            Assert.Equal(h.Select(v => 2 * v), store.DownloadGrads(), new ToleranceComparer(1e-12));
        }).Check(Runs);
    }
}
