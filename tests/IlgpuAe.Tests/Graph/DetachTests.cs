using FsCheck;
using FsCheck.Fluent;
using IlgpuAe.Graph;
using IlgpuAe.Testing;
using static IlgpuAe.Tests.Support.GradAssert;

namespace IlgpuAe.Tests.Graph;

/// <summary>
/// sg(x), the gradient stop: the identity forward, no gradient backward. Finite differences see through it (the value
/// changes with x), backward does not; the straight-through estimator z + sg(q − z) has the value of q and the gradient of z.
/// </summary>
public sealed class DetachTests
{
    static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(5).WithQuietOnSuccess(true);

    static Gen<(int Rows, int Cols, int Seed)> Shapes =>
        from rows in Gen.Choose(1, 9) from cols in Gen.Choose(1, 9) from seed in Gen.Choose(1, 100000) select (rows, cols, seed);

    /// <summary>
    /// f(x) = Σ R ⊙ (x² + sg(x²)) over a parameter x: returns (f, the analytic ∂f/∂x, the central difference of f) with
    /// nothing held, so that the difference sees the detached path too.
    /// </summary>
    static (double[] Analytic, double[] Numeric, double[] X, double[] R) Probe(int rows, int cols, int seed)
    {
        var rng = new Random(seed);
        var x = Enumerable.Range(0, rows * cols).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var r = Enumerable.Range(0, rows * cols).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        using var store = new ParameterStore<double>(TestDevice.Cpu, 1);
        var p = store.Add("x", rows, cols, Init.Zeros);
        store.Materialize();
        store.Upload(x);
        var g = new GraphBuilder<double>(store, rows, training: true);
        var node = g.Param(p);
        var square = g.Square(node);
        g.Loss("f", g.Sum(g.Mul(g.Add(square, g.Detach(square)), g.Constant(rows, cols, r))));
        using var plan = g.Compile();
        plan.Forward();
        plan.Backward();
        var analytic = store.DownloadGrads();
        var numeric = new double[x.Length];
        const double h = 1e-5;
        for (int i = 0; i < x.Length; i++)
        {
            var up = (double[])x.Clone();
            var down = (double[])x.Clone();
            up[i] += h;
            down[i] -= h;
            store.Upload(up);
            plan.Forward();
            double fUp = plan.Term("f");
            store.Upload(down);
            plan.Forward();
            numeric[i] = (fUp - plan.Term("f")) / (2 * h);
        }
        return (analytic, numeric, x, r);
    }

    [Fact]
    public void The_gradient_does_not_pass_a_detach_though_its_value_does()
    {
        Prop.ForAll(Shapes.ToArbitrary(), c =>
        {
            var (analytic, numeric, x, r) = Probe(c.Rows, c.Cols, c.Seed);
            for (int i = 0; i < x.Length; i++)
            {
                // Backward sees only the x² path: 2·x·R. Finite differences see both: 4·x·R.
                Close(2 * x[i] * r[i], analytic[i], 1e-12, $"analytic[{i}]");
                Close(4 * x[i] * r[i], numeric[i], 1e-7, $"numeric[{i}]");
            }
        }).Check(Runs);
    }

    [Fact]
    public void A_detach_forwards_its_input_bit_for_bit_and_checks_when_its_value_is_held()
    {
        Prop.ForAll(Shapes.ToArbitrary(), c =>
        {
            var rng = new Random(c.Seed);
            OpInput[] input = [OpInput.Uniform(c.Rows, c.Cols, rng, scale: 3)];
            Assert.Equal(input[0].Values, GradCheck.Forward(TestDevice.Cpu, input, (g, p) => g.Detach(p[0])));
            // The gradient check holds sg(·) at the unperturbed value: then differences and backward agree.
            Holds(GradCheck.Op(TestDevice.Cpu, input, (g, p) => g.Add(g.Square(p[0]), g.Detach(g.Exp(p[0]))), new GradCheckOptions { WeightSeed = c.Seed }));
        }).Check(Runs);
    }

    [Fact]
    public void The_straight_through_pattern_has_the_value_of_q_and_the_gradient_of_z()
    {
        Prop.ForAll(Shapes.ToArbitrary(), c =>
        {
            var rng = new Random(c.Seed);
            OpInput[] z = [OpInput.Uniform(c.Rows, c.Cols, rng, scale: 2)];
            // q = exp(z) stands for any function of z (a quantiser's nearest code): z + sg(q − z).
            Func<GraphBuilder<double>, Node<double>[], Node<double>> st = (g, p) => g.Add(p[0], g.Detach(g.Subtract(g.Exp(p[0]), p[0])));
            var value = GradCheck.Forward(TestDevice.Cpu, z, st);
            for (int i = 0; i < value.Length; i++) Close(Math.Exp(z[0].Values[i]), value[i], 1e-15, $"value[{i}]");
            // Σ R ⊙ st has the gradient R: the identity's, not exp's.
            var weights = new Random(c.Seed + 1);
            var r = Enumerable.Range(0, c.Rows * c.Cols).Select(_ => weights.NextDouble() * 2 - 1).ToArray();
            using var store = new ParameterStore<double>(TestDevice.Cpu, 1);
            var p = store.Add("z", c.Rows, c.Cols, Init.Zeros);
            store.Materialize();
            store.Upload(z[0].Values);
            var g = new GraphBuilder<double>(store, c.Rows, training: true);
            g.Loss("f", g.Sum(g.Mul(st(g, [g.Param(p)]), g.Constant(c.Rows, c.Cols, r))));
            using var plan = g.Compile();
            plan.Forward();
            plan.Backward();
            Assert.Equal(r, store.DownloadGrads());
        }).Check(Runs);
    }
}
