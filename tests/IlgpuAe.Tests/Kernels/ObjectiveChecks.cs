using FsCheck;
using FsCheck.Fluent;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// The checks every loss, divergence, penalty and reparameterisation (see <see cref="ObjectiveCase"/>) passes, run
/// by its family's test class: forward and backward equal the double reference in float and double on every launch
/// shape, and backward is the derivative of forward (finite differences in double).
/// </summary>
static class ObjectiveChecks
{
    /// <summary>(objective, rows, cols, launch shape) for every objective of <paramref name="family"/>.</summary>
    public static TheoryData<string, int, int, int> Cases(string family)
    {
        var data = new TheoryData<string, int, int, int>();
        foreach (var objective in ObjectiveCase.All.Where(c => c.Family == family))
            foreach (var (rows, cols) in new[] { (1, 1), (7, 3), (64, 17), (5, 100) })
                for (int s = 0; s < ShapeCount; s++) data.Add(objective.Name, rows, cols, s);
        return data;
    }

    static ObjectiveCase Find(string name) => ObjectiveCase.All.Single(c => c.Name == name);

    /// <summary>Forward and backward of <paramref name="objective"/> against its double reference, in float and double.</summary>
    public static void MatchReference(string objective, int rows, int cols, int shape)
    {
        MatchesReference<float>(Find(objective), rows, cols, shape);
        MatchesReference<double>(Find(objective), rows, cols, shape);
    }

    static void MatchesReference<T>(ObjectiveCase objective, int rows, int cols, int shape)
    {
        var rng = new Random(rows * 1000 + cols);
        var inputs = objective.Inputs(rng, rows, cols);
        var target = objective.Target(rng, rows, cols);
        const double g = 1.7, scale = 0.125;

        var terms = objective.Forward(typeof(T), inputs, target, rows, cols, shape);
        var expectedTerms = objective.ReferenceForward(inputs, target, rows, cols);
        // Float rounding grows with the number of summands behind each term.
        double termsPerOutput = inputs.Max(a => a.Length) / (double)expectedTerms.Length;
        AssertClose<T>(expectedTerms, terms, scale: 4 * termsPerOutput, what: $"{objective} forward");

        // beta = 0 overwrites NaN-poisoned gradients; beta = 1 adds to what is there.
        double gradScale = objective.GradientSumsRows ? 4 * rows : 4;
        var expected = objective.ReferenceBackward(inputs, target, rows, cols, g * scale);
        var grads = objective.Backward(typeof(T), inputs, target, rows, cols, g, scale, 0, [], shape);
        Assert.Equal(expected.Length, grads.Length);
        for (int k = 0; k < expected.Length; k++)
            AssertClose<T>(expected[k], grads[k], scale: gradScale, what: $"{objective} backward, input {k}");

        var initial = expected.Select(e => e.Select(_ => rng.NextDouble() - 0.5).ToArray()).ToArray();
        var accumulated = objective.Backward(typeof(T), inputs, target, rows, cols, g, scale, 1, initial, shape);
        for (int k = 0; k < expected.Length; k++)
            AssertClose<T>(expected[k].Select((v, i) => v + initial[k][i]).ToArray(), accumulated[k], scale: gradScale,
                what: $"{objective} accumulated backward, input {k}");
    }

    /// <summary>The names of the objectives of <paramref name="family"/>.</summary>
    public static TheoryData<string> Names(string family)
    {
        var data = new TheoryData<string>();
        foreach (var objective in ObjectiveCase.All.Where(c => c.Family == family)) data.Add(objective.Name);
        return data;
    }

    /// <summary>
    /// Over random shapes (1..64 rows, 1..64 columns, 1..16 for the dim×dim factors) and values,
    /// the backward kernels equal the derivative of g·scale·(forward term), taken by the five-point
    /// central difference (f(−2h) − 8f(−h) + 8f(h) − f(2h)) / 12h with h = 1e-3 in double
    /// (truncation O(h⁴) ≈ 1e-12, rounding ≈ 1e-16·|term|/h ≈ 1e-11): relative error below 1e-6,
    /// relative to max(|analytic|, 1e-3). A coordinate moves only its own row's term (its unit's for
    /// KL sparsity), so the difference is taken on that term alone; where it moves all of them
    /// (contractive w.r.t. the weight norms), on their sum. Up to 6 coordinates per input and case.
    /// </summary>
    public static void BackwardIsTheDerivativeOfForward(string name)
    {
        var objective = Find(name);
        var shapes = Gen.Zip(Gen.Choose(1, 64), Gen.Choose(1, objective.MaxCols));
        var cases = Gen.Zip(shapes, Gen.Choose(0, int.MaxValue)).ToArbitrary();
        var property = Prop.ForAll(cases, c =>
        {
            var ((rows, cols), seed) = c;
            var rng = new Random(seed);
            var inputs = objective.Inputs(rng, rows, cols);
            var target = objective.Target(rng, rows, cols);
            double g = 0.5 + 1.5 * rng.NextDouble(), scale = 1.0 / rows;
            var grads = objective.Backward(typeof(double), inputs, target, rows, cols, g, scale, 0, [], 0);

            for (int k = 0; k < inputs.Length; k++)
                for (int probe = 0; probe < Math.Min(6, inputs[k].Length); probe++)
                {
                    int i = rng.Next(inputs[k].Length);
                    int output = objective.Output(rows, cols, inputs, k, i);
                    double At(double h)
                    {
                        var moved = inputs.Select(a => (double[])a.Clone()).ToArray();
                        moved[k][i] += h;
                        var terms = objective.Forward(typeof(double), moved, target, rows, cols, 0);
                        return g * scale * (output < 0 ? terms.Sum() : terms[output]);
                    }
                    const double step = 1e-3;
                    double fd = (At(-2 * step) - 8 * At(-step) + 8 * At(step) - At(2 * step)) / (12 * step);
                    double rel = Math.Abs(fd - grads[k][i]) / Math.Max(Math.Abs(grads[k][i]), 1e-3);
                    Assert.True(rel < 1e-6,
                        $"{objective} input {k}, element {i} ([{rows}, {cols}]): analytic {grads[k][i]:R}, finite difference {fd:R}, relative error {rel:G3}");
                }
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(25), property);
    }
}

/// <summary>
/// The objective checks of one family, run by its test class <typeparamref name="TSelf"/> (named XKernelTests for the
/// family X whose cases, <see cref="ObjectiveCase.Family"/>, it runs).
/// </summary>
public abstract class ObjectiveKernelTests<TSelf> where TSelf : ObjectiveKernelTests<TSelf>
{
    static string Family => typeof(TSelf).Name[..^"KernelTests".Length];

    public static TheoryData<string, int, int, int> Objectives() => ObjectiveChecks.Cases(Family);

    public static TheoryData<string> ObjectiveNames() => ObjectiveChecks.Names(Family);

    [Theory, MemberData(nameof(Objectives))]
    public void Forward_and_backward_match_the_reference(string objective, int rows, int cols, int shape) =>
        ObjectiveChecks.MatchReference(objective, rows, cols, shape);

    [Theory, MemberData(nameof(ObjectiveNames))]
    public void Backward_is_the_derivative_of_forward(string objective) => ObjectiveChecks.BackwardIsTheDerivativeOfForward(objective);
}
