using FsCheck;
using FsCheck.Fluent;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;
using IlgpuAe.Modules;
using IlgpuAe.Testing;
using Xunit;
using static IlgpuAe.Tests.Support.GradAssert;

namespace IlgpuAe.Tests.Regularized;

/// <summary>
/// The contractive penalty ‖∂h/∂x‖²_F on random shapes (1 to 24), values and activations: the fused
/// one-layer kernel and the chain of layer Jacobians against a finite-difference Jacobian of the
/// encoder's forward pass (central differences, step 1e-6, in double), and every gradient (fused,
/// chain, Hutchinson) against finite differences of the penalty.
/// </summary>
public class ContractiveProperties
{
    static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(5).WithQuietOnSuccess(true);

    static Gen<int> Dim => Gen.Choose(1, 24);
    static Gen<Activation> Act => Gen.Elements(Enum.GetValues<Activation>());

    /// <summary>An MLP encoder with random weights (scale 1) in a fresh store, plus its host forward pass.</summary>
    sealed class Encoder : IDisposable
    {
        public Encoder(int seed, int[] sizes, Activation[] acts)
        {
            Store = new ParameterStore<double>(TestDevice.Cpu, (ulong)seed);
            X = Store.Add("x", Rows, sizes[0], Init.Zeros);
            Layers = Enumerable.Range(0, acts.Length).Select(l => new Linear<double>(Store, $"enc.{l}", sizes[l], sizes[l + 1], acts[l], 0.2)).ToArray();
            Store.Materialize();
            var rng = new Random(seed);
            Values = Enumerable.Range(0, (int)Store.Count).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            Store.Upload(Values);
        }

        public const int Rows = 3;
        public ParameterStore<double> Store { get; }
        public Parameter<double> X { get; }
        public Linear<double>[] Layers { get; }
        public double[] Values { get; }

        /// <summary>The layer outputs as graph nodes, and their Jacobian view.</summary>
        public IReadOnlyList<JacobianLayer<double>> Apply(GraphBuilder<double> g)
        {
            var y = g.Param(X);
            var result = new List<JacobianLayer<double>>();
            foreach (var layer in Layers)
            {
                y = layer.Apply(g, y);
                result.Add(new JacobianLayer<double>(y, layer.Weight, layer.Activation, layer.Slope));
            }
            return result;
        }

        double[] Slice(Parameter<double> p) => Values.AsSpan((int)p.Offset, (int)p.Length).ToArray();

        /// <summary>h(x) for one row, computed on the host from x (not y) with the double reference activations.</summary>
        public double[] Forward(double[] x)
        {
            var y = x;
            foreach (var layer in Layers)
            {
                var w = Slice(layer.Weight);
                var b = Slice(layer.Bias);
                y = Enumerable.Range(0, layer.Outputs).Select(j =>
                    ActivationReference.Forward(layer.Activation, b[j] + Enumerable.Range(0, layer.Inputs).Sum(i => w[j * layer.Inputs + i] * y[i]), 0.2)).ToArray();
            }
            return y;
        }

        public double[] Row(int r) => Slice(X).AsSpan(r * Layers[0].Inputs, Layers[0].Inputs).ToArray();

        public void Dispose() => Store.Dispose();
    }

    static double[] ForwardValue(Encoder e, Func<GraphBuilder<double>, IReadOnlyList<JacobianLayer<double>>, Node<double>> build)
    {
        var g = new GraphBuilder<double>(e.Store, Encoder.Rows, training: false);
        var output = build(g, e.Apply(g));
        g.Output("value", output);
        g.Loss("probe", g.Sum(output));
        using var plan = g.Compile();
        plan.Forward();
        return plan.Read("value");
    }

    static GradCheckReport Gradient(Encoder e, Func<GraphBuilder<double>, IReadOnlyList<JacobianLayer<double>>, Node<double>> penalty, ulong step = 0)
    {
        var g = new GraphBuilder<double>(e.Store, Encoder.Rows, training: true);
        g.Loss("penalty", penalty(g, e.Apply(g)));
        using var plan = g.Compile();
        plan.Step = step;
        plan.Seed = 5;
        return GradCheck.Plan(plan, plan.Forward, new GradCheckOptions { PerParameter = 30 });
    }

    /// <summary>(1/rows)·Σ_r ‖J_r‖²_F from finite-difference Jacobians of the host forward pass.</summary>
    static double FiniteDifferencePenalty(Encoder e) =>
        Enumerable.Range(0, Encoder.Rows).Average(r => ContractiveReference.FiniteDifferenceJacobian(e.Forward, e.Row(r)).Sum(v => v * v));

    [Fact]
    public void Fused_one_layer_penalty_equals_its_reference_and_a_finite_difference_jacobian_for_every_activation()
    {
        var gen = from ins in Dim from units in Dim from act in Act from seed in Gen.Choose(1, 100000) select (ins, units, act, seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            using var e = new Encoder(c.seed, [c.ins, c.units], [c.act]);
            double fused = ForwardValue(e, (g, l) => g.ExactContractive(l))[0];
            // The reference from pre-activations a = x·Wᵀ + b, independent of the kernels' y-form.
            var w = e.Values.AsSpan((int)e.Layers[0].Weight.Offset, c.units * c.ins).ToArray();
            var b = e.Values.AsSpan((int)e.Layers[0].Bias.Offset, c.units).ToArray();
            var pre = Enumerable.Range(0, Encoder.Rows).SelectMany(r => Enumerable.Range(0, c.units)
                .Select(j => b[j] + Enumerable.Range(0, c.ins).Sum(i => w[j * c.ins + i] * e.Row(r)[i]))).ToArray();
            Close(ContractiveReference.Fused(c.act, 0.2, pre, w, Encoder.Rows, c.units, c.ins).Average(), fused, 1e-12, "fused vs reference");
            Close(FiniteDifferencePenalty(e), fused, 1e-6, "fused vs finite-difference Jacobian");
        }).Check(Runs);
    }

    [Fact]
    public void Chain_jacobian_of_a_deep_encoder_equals_a_finite_difference_jacobian()
    {
        var gen = from a in Dim from b in Dim from c in Dim from d in Dim from act1 in Act from act2 in Act from act3 in Act
                  from depth in Gen.Choose(2, 3) from seed in Gen.Choose(1, 100000) select (sizes: new[] { a, b, c, d }[..(depth + 1)], acts: new[] { act1, act2, act3 }[..depth], seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            using var e = new Encoder(c.seed, c.sizes, c.acts);
            var j = ForwardValue(e, (g, l) => g.EncoderJacobian(l));
            int code = c.sizes[^1], inputs = c.sizes[0];
            for (int r = 0; r < Encoder.Rows; r++)
            {
                var expected = ContractiveReference.FiniteDifferenceJacobian(e.Forward, e.Row(r));
                for (int i = 0; i < expected.Length; i++)
                    Close(expected[i], j[r * code * inputs + i], 1e-6, $"J[{r}][{i / inputs},{i % inputs}]");
            }
            Close(FiniteDifferencePenalty(e), ForwardValue(e, (g, l) => g.ExactContractive(l))[0], 1e-6, "chain penalty");
        }).Check(Runs);
    }

    [Fact]
    public void Fused_chain_and_hutchinson_gradients_match_finite_differences()
    {
        var gen = from a in Dim from b in Dim from c in Dim from act1 in Act from act2 in Act from seed in Gen.Choose(1, 100000)
                  select (a, b, c, act1, act2, seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            using (var one = new Encoder(c.seed, [c.a, c.b], [c.act1]))
                Holds(Gradient(one, (g, l) => g.ExactContractive(l)));
            using var deep = new Encoder(c.seed, [c.a, c.b, c.c], [c.act1, c.act2]);
            Holds(Gradient(deep, (g, l) => g.ExactContractive(l)));
            // A fixed step fixes the probes: the estimate is then a function of the parameters.
            Holds(Gradient(deep, (g, l) => g.HutchinsonContractive(l, 2), step: 3));
        }).Check(Runs);
    }

    [Fact]
    public void Hutchinson_estimates_average_to_the_exact_penalty_within_four_standard_errors()
    {
        // 400 steps of 2 probes on a 2-layer encoder: the mean of the per-step estimates must lie within
        // 4 of its own standard errors of the exact value (a false alarm about once in 16000 seeds), and
        // that standard error must be a small fraction of the penalty, so the check has teeth.
        using var e = new Encoder(11, [10, 8, 5], [Activation.Tanh, Activation.Sigmoid]);
        var g = new GraphBuilder<double>(e.Store, Encoder.Rows, training: false);
        var layers = e.Apply(g);
        g.Loss("exact", g.ExactContractive(layers));
        g.Loss("hutchinson", g.HutchinsonContractive(layers, 2));
        using var plan = g.Compile();
        plan.Seed = 9;
        const int steps = 400;
        var estimates = new double[steps];
        double exact = 0;
        for (int s = 0; s < steps; s++)
        {
            plan.Step = (ulong)s;
            plan.Forward();
            estimates[s] = plan.Term("hutchinson");
            exact = plan.Term("exact");
        }
        double mean = estimates.Average();
        double se = Math.Sqrt(estimates.Sum(v => (v - mean) * (v - mean)) / (steps - 1) / steps);
        Assert.True(Math.Abs(mean - exact) <= 4 * se, $"Hutchinson mean {mean:G6} vs exact {exact:G6}, standard error {se:G3}");
        Assert.True(se < 0.05 * exact, $"standard error {se:G3} is too large against {exact:G6} to test anything");
        Assert.NotEqual(estimates[0], estimates[1]);
    }
}
