using FsCheck;
using FsCheck.Fluent;
using IlgpuAe.Graph;
using IlgpuAe.Ops;
using IlgpuAe.Testing;
using static IlgpuAe.Tests.Support.GradAssert;
using Xunit;

namespace IlgpuAe.Tests.Vae;

/// <summary>
/// Every stochastic op, on random shapes and values, in double: backward agrees with central finite
/// differences of forward (relative error below 1e-6, see <see cref="GradCheck"/>) with ε held fixed
/// (the plan's step does not move). As in OpGradientProperties, op inputs are parameters and the
/// objective is Σ op(...) ⊙ R for a random R.
/// </summary>
public class StochasticOpGradientProperties
{
    static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(5).WithQuietOnSuccess(true);

    static Gen<int> Rows => Gen.Choose(1, 12);
    static Gen<int> Dim => Gen.Choose(1, 6);
    static Gen<int> Seed => Gen.Choose(1, 100000);

    static GradCheckReport CheckOp(int seed, (int Rows, int Cols)[] shapes, Func<GraphBuilder<double>, Node<double>[], Node<double>> build,
        Func<int, int, double>? value = null)
    {
        var rng = new Random(seed);
        var inputs = shapes.Select((s, i) =>
        {
            int k = 0;
            return OpInput.From(s.Rows, s.Cols, () => value?.Invoke(i, k++) is { } v && !double.IsNaN(v) ? v : rng.NextDouble() * 2 - 1);
        }).ToArray();
        return GradCheck.Op(TestDevice.Cpu, inputs, build,
            new GradCheckOptions { PerParameter = 40, PlanSeed = (ulong)seed, PlanStep = 3, WeightSeed = seed + 1 });
    }

    // A lower-triangular factor's diagonal must stay away from 0 for log|L_ii| and 1/L_ii.
    static Func<int, int, double> FactorValues(int factorInput, int dim, Random rng) => (input, k) =>
        input == factorInput && k % (dim * dim) / dim == k % dim ? (rng.NextDouble() < 0.5 ? -1 : 1) * (0.5 + rng.NextDouble()) : double.NaN;

    [Fact]
    public void Reparameterisation_diagonal_and_full_match_finite_differences()
    {
        var gen = from rows in Rows from dim in Dim from seed in Seed select (rows, dim, seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            Holds(CheckOp(c.seed, [(c.rows, c.dim), (c.rows, c.dim)], (g, p) => g.Reparameterize(p[0], p[1], g.Noise(c.dim))));
            Holds(CheckOp(c.seed, [(c.rows, c.dim), (c.rows, c.dim * c.dim)], (g, p) => g.ReparameterizeFull(p[0], p[1], g.Noise(c.dim))));
            Holds(CheckOp(c.seed, [(c.rows, c.dim * c.dim)], (g, p) => g.TriangularFactor(p[0], c.dim)));
        }).Check(Runs);
    }

    [Fact]
    public void Closed_form_kls_match_finite_differences()
    {
        var gen = from rows in Rows from dim in Dim from seed in Seed select (rows, dim, seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var rng = new Random(c.seed);
            Holds(CheckOp(c.seed, [(c.rows, c.dim), (c.rows, c.dim)], (g, p) => g.KlStandardNormal(p[0], p[1])));
            Holds(CheckOp(c.seed, [(c.rows, c.dim), (c.rows, c.dim * c.dim)], (g, p) => g.KlStandardNormalFull(p[0], p[1]),
                FactorValues(1, c.dim, rng)));
            Holds(CheckOp(c.seed, [(c.rows, c.dim), (c.rows, c.dim), (c.rows, c.dim), (c.rows, c.dim)],
                (g, p) => g.KlGaussians(p[0], p[1], p[2], p[3])));
            // The same node as mean and prior mean exercises the accumulate (scatter) path.
            Holds(CheckOp(c.seed, [(c.rows, c.dim), (c.rows, c.dim), (c.rows, c.dim)], (g, p) => g.KlGaussians(p[0], p[1], p[0], p[2])));
        }).Check(Runs);
    }

    [Fact]
    public void Monte_carlo_kl_against_a_learned_mixture_matches_finite_differences()
    {
        var gen = from rows in Rows from dim in Dim from k in Gen.Choose(1, 4) from full in Gen.Elements(false, true) from seed in Seed
                  select (rows, dim, k, full, seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var rng = new Random(c.seed);
            int scaleCols = c.full ? c.dim * c.dim : c.dim;
            Holds(CheckOp(c.seed, [(c.rows, c.dim), (c.rows, scaleCols), (c.k, c.dim), (c.k, c.dim), (1, c.k)], (g, p) =>
            {
                var eps = g.Noise(c.dim);
                var z = c.full ? g.ReparameterizeFull(p[0], p[1], eps) : g.Reparameterize(p[0], p[1], eps);
                return g.KlGmmMonteCarlo(z, eps, p[1], c.full ? PosteriorKind.Full : PosteriorKind.Diagonal, p[2], p[3], p[4]);
            }, c.full ? FactorValues(1, c.dim, rng) : null));
        }).Check(Runs);
    }

    [Fact]
    public void Gaussian_decoder_likelihoods_match_finite_differences()
    {
        var gen = from rows in Rows from cols in Gen.Choose(1, 20) from seed in Seed select (rows, cols, seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            // The target is data, not differentiated: a fixed noise node stands in for it.
            Holds(CheckOp(c.seed, [(c.rows, c.cols), (c.rows, c.cols)], (g, p) => g.GaussianNll(p[0], p[1], g.Noise(c.cols))));
            Holds(CheckOp(c.seed, [(c.rows, c.cols)], (g, p) => g.GaussianNll(p[0], g.Noise(c.cols), -1.3)));
        }).Check(Runs);
    }
}
