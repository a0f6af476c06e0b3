using FsCheck;
using FsCheck.Fluent;
using Xunit;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// Each loss: forward and backward equal the double reference in float and double on every launch
/// shape; backward is the derivative of forward (finite differences in double); BCE survives
/// logits of ±1e4 in float.
/// </summary>
public sealed class LossKernelTests
{
    public static TheoryData<string, int, int, int> Cases()
    {
        var data = new TheoryData<string, int, int, int>();
        foreach (var loss in LossCase.All)
            foreach (var (rows, cols) in new[] { (1, 1), (7, 3), (64, 17), (5, 200) })
                for (int s = 0; s < ShapeCount; s++) data.Add(loss.Name, rows, cols, s);
        return data;
    }

    static LossCase Find(string name) => LossCase.All.Single(c => c.Name == name);

    [Theory, MemberData(nameof(Cases))]
    public void Forward_and_backward_match_the_reference(string loss, int rows, int cols, int shape)
    {
        MatchesReference<float>(Find(loss), rows, cols, shape);
        MatchesReference<double>(Find(loss), rows, cols, shape);
    }

    static void MatchesReference<T>(LossCase loss, int rows, int cols, int shape)
    {
        var rng = new Random(rows * 1000 + cols);
        int n = rows * cols;
        var inputs = loss.Inputs(rng, n);
        var target = loss.Target(rng, n);
        const double g = 1.7, scale = 0.125;

        var rowLoss = loss.Forward(typeof(T), inputs, target, rows, cols, shape);
        AssertClose<T>(loss.ReferenceForward(inputs, target, rows, cols), rowLoss, scale: 4 * cols, what: $"{loss} forward");

        // beta = 0 overwrites NaN-poisoned gradients; beta = 1 adds to what is there.
        var expected = loss.ReferenceBackward(inputs, target, g * scale);
        var grads = loss.Backward(typeof(T), inputs, target, g, scale, 0, [], shape);
        for (int k = 0; k < expected.Length; k++)
            AssertClose<T>(expected[k], grads[k], scale: 4, what: $"{loss} backward input {k}");

        var initial = expected.Select(e => e.Select(_ => rng.NextDouble() - 0.5).ToArray()).ToArray();
        var accumulated = loss.Backward(typeof(T), inputs, target, g, scale, 1, initial, shape);
        for (int k = 0; k < expected.Length; k++)
            AssertClose<T>(expected[k].Select((v, i) => v + initial[k][i]).ToArray(), accumulated[k], scale: 4,
                what: $"{loss} accumulated backward input {k}");
    }

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var loss in LossCase.All) data.Add(loss.Name);
        return data;
    }

    /// <summary>
    /// Over random shapes (1..64 rows and columns) and values, the backward kernel equals the
    /// derivative of g·scale·(forward row loss), taken by the five-point central difference
    /// (f(−2h) − 8f(−h) + 8f(h) − f(2h)) / 12h with h = 1e-3 in double (truncation error O(h⁴) ≈ 1e-12,
    /// rounding ≈ 1e-16·|ℓ_r|/h ≈ 1e-11): relative error below 1e-6, relative to max(|analytic|, 1e-3).
    /// A coordinate moves only its own row's loss, so the difference is taken on that row alone.
    /// Up to 6 coordinates per input and case keep the launch count small.
    /// </summary>
    [Theory, MemberData(nameof(Names))]
    public void Backward_is_the_derivative_of_forward(string name)
    {
        var loss = Find(name);
        var shapes = Gen.Zip(Gen.Choose(1, 64), Gen.Choose(1, 64));
        var cases = Gen.Zip(shapes, Gen.Choose(0, int.MaxValue)).ToArbitrary();
        var property = Prop.ForAll(cases, c =>
        {
            var ((rows, cols), seed) = c;
            var rng = new Random(seed);
            int n = rows * cols;
            var inputs = loss.Inputs(rng, n);
            var target = loss.Target(rng, n);
            double g = 0.5 + 1.5 * rng.NextDouble(), scale = 1.0 / rows;
            var grads = loss.Backward(typeof(double), inputs, target, g, scale, 0, [], 0);

            for (int k = 0; k < inputs.Length; k++)
                for (int probe = 0; probe < Math.Min(6, n); probe++)
                {
                    int i = rng.Next(n), r = i / cols;
                    double At(double h)
                    {
                        var moved = inputs.Select(a => (double[])a.Clone()).ToArray();
                        moved[k][i] += h;
                        return g * scale * loss.Forward(typeof(double), moved, target, rows, cols, 0)[r];
                    }
                    const double step = 1e-3;
                    double fd = (At(-2 * step) - 8 * At(-step) + 8 * At(step) - At(2 * step)) / (12 * step);
                    double rel = Math.Abs(fd - grads[k][i]) / Math.Max(Math.Abs(grads[k][i]), 1e-3);
                    Assert.True(rel < 1e-6,
                        $"{loss} input {k}, element {i} of [{rows}, {cols}]: analytic {grads[k][i]:R}, finite difference {fd:R}, relative error {rel:G3}");
                }
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(25), property);
    }

    [Fact]
    public void Bce_with_logits_is_finite_and_exact_at_logits_of_plus_minus_1e4_in_float()
    {
        double[] z = [1e4, -1e4, 1e4, -1e4, 1e4, -1e4, 88.0, -104.0];
        double[] x = [0, 0, 1, 1, 0.25, 0.75, 0.5, 1];
        var bce = Find("BceWithLogits");

        var rowLoss = bce.Forward(typeof(float), [z], x, z.Length, 1, 0);
        var expected = bce.ReferenceForward([z], x, z.Length, 1);
        Assert.All(rowLoss, v => Assert.True(float.IsFinite((float)v)));
        AssertClose<float>(expected, rowLoss, what: "BCE at large |z|");
        Assert.Equal(1e4, rowLoss[0], 1e-3);   // confidently wrong: loss = |z|
        Assert.Equal(0, rowLoss[2], 1e-30);    // confidently right: loss = 0, not NaN from ∞ − ∞

        var grad = bce.Backward(typeof(float), [z], x, 1, 1, 0, [], 0)[0];
        AssertClose<float>(bce.ReferenceBackward([z], x, 1)[0], grad, what: "BCE gradient at large |z|");
    }
}
