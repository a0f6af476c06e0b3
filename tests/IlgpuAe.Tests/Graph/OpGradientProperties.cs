using FsCheck;
using FsCheck.Fluent;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;
using IlgpuAe.Ops;
using IlgpuAe.Testing;
using static IlgpuAe.Tests.Support.GradAssert;
using Xunit;

namespace IlgpuAe.Tests.Graph;

/// <summary>
/// Every differentiable op, on random shapes (1 to 64) and values: backward agrees with central
/// finite differences of forward in double, relative error below 1e-6 (see <see cref="GradCheck"/>, the checker the IlgpuAe.Testing package ships).
/// Op inputs are parameters so that the executor must produce their gradients; the objective is
/// Σ op(...) ⊙ R with R a random input, so every output element carries its own weight.
/// </summary>
public class OpGradientProperties
{
    static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(6).WithQuietOnSuccess(true);

    static Gen<int> Dim => Gen.Choose(1, 64);

    /// <summary>Inputs with seeded values; the op's output weighed by a random R; 24 coordinates per input probed.</summary>
    static GradCheckReport CheckOp(int seed, (int Rows, int Cols)[] inputShapes,
        Func<GraphBuilder<double>, Node<double>[], Node<double>> build, double valueScale = 1, double awayFromZero = 0)
    {
        var rng = new Random(seed);
        var inputs = inputShapes.Select(s => OpInput.Uniform(s.Rows, s.Cols, rng, valueScale, awayFromZero)).ToArray();
        return GradCheck.Op(TestDevice.Cpu, inputs, build, new GradCheckOptions { PerParameter = 24, WeightSeed = seed + 1 });
    }

    [Fact]
    public void Linear_with_every_activation_matches_finite_differences()
    {
        var gen = from rows in Dim from ins in Dim from outs in Dim from act in Gen.Elements(Enum.GetValues<Activation>())
                  from seed in Gen.Choose(1, 100000) select (rows, ins, outs, act, seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
            Holds(CheckOp(c.seed, [(c.rows, c.ins), (c.outs, c.ins), (1, c.outs)],
                (g, p) => g.Add(new LinearOp<double>(p[0], p[1], p[2], c.act, 0.1), c.rows, c.outs), awayFromZero: 0.01))).Check(Runs);
    }

    [Fact]
    public void Activations_match_finite_differences()
    {
        var gen = from rows in Dim from cols in Dim from act in Gen.Elements(Enum.GetValues<Activation>())
                  from seed in Gen.Choose(1, 100000) select (rows, cols, act, seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
            Holds(CheckOp(c.seed, [(c.rows, c.cols)], (g, p) => g.Apply(p[0], c.act, 0.2), valueScale: 3, awayFromZero: 0.01))).Check(Runs);
    }

    [Fact]
    public void Matmul_in_every_transpose_matches_finite_differences()
    {
        var gen = from m in Dim from n in Dim from k in Dim from ta in Gen.Elements(false, true) from tb in Gen.Elements(false, true)
                  from seed in Gen.Choose(1, 100000) select (m, n, k, ta, tb, seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
            Holds(CheckOp(c.seed, [c.ta ? (c.k, c.m) : (c.m, c.k), c.tb ? (c.n, c.k) : (c.k, c.n)],
                (g, p) => g.MatMul(p[0], p[1], c.ta, c.tb)))).Check(Runs);
    }

    [Fact]
    public void Add_mul_scale_and_sum_match_finite_differences()
    {
        var gen = from rows in Dim from cols in Dim from seed in Gen.Choose(1, 100000) select (rows, cols, seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            Holds(CheckOp(c.seed, [(c.rows, c.cols), (c.rows, c.cols)], (g, p) => g.Add(p[0], p[1])));
            Holds(CheckOp(c.seed, [(c.rows, c.cols), (c.rows, c.cols)], (g, p) => g.Mul(p[0], p[1])));
            Holds(CheckOp(c.seed, [(c.rows, c.cols)], (g, p) => g.Mul(p[0], p[0])));
            Holds(CheckOp(c.seed, [(c.rows, c.cols)], (g, p) => g.Scale(p[0], -1.7)));
            Holds(CheckOp(c.seed, [(c.rows, c.cols)], (g, p) => g.Sum(p[0], 0.3)));
        }).Check(Runs);
    }

    [Fact]
    public void Reconstruction_losses_match_finite_differences()
    {
        var gen = from rows in Dim from cols in Dim from kind in Gen.Elements(Reconstruction.Bce, Reconstruction.Mse)
                  from seed in Gen.Choose(1, 100000) select (rows, cols, kind, seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var rng = new Random(c.seed);
            var targets = Enumerable.Range(0, c.rows * c.cols).Select(_ => rng.NextDouble()).ToArray();
            var device = TestDevice.Cpu;
            using var store = new ParameterStore<double>(device, (ulong)c.seed);
            var pred = store.Add("pred", c.rows, c.cols, Init.Zeros);
            store.Materialize();
            store.Upload(Enumerable.Range(0, c.rows * c.cols).Select(_ => rng.NextDouble() * 6 - 3).ToArray());
            var g = new GraphBuilder<double>(store, c.rows, training: true);
            var x = g.Input("x", c.cols);
            g.Loss("reconstruction", g.ReconstructionLoss(g.Param(pred), x, c.kind));
            using var plan = g.Compile();
            Holds(GradCheck.Plan(plan, () => { plan.SetInput(x, targets); plan.Forward(); }, new GradCheckOptions { PerParameter = 24 }));
        }).Check(Runs);
    }
}
