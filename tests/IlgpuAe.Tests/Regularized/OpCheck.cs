using IlgpuAe.Graph;
using IlgpuAe.Tests.Support;
using Xunit;

namespace IlgpuAe.Tests.Regularized;

/// <summary>
/// The pattern of OpGradientProperties for the regularisers: op inputs are parameters with seeded
/// values, the objective is Σ op(...) ⊙ R with R random, backward is held to central differences.
/// Also reads an op's forward value, for comparison with the kernels' double references.
/// </summary>
static class OpCheck
{
    public sealed record Setup(ParameterStore<double> Store, double[][] Values) : IDisposable
    {
        public void Dispose() => Store.Dispose();
    }

    /// <summary>Parameters of the given shapes, values from <paramref name="draw"/>.</summary>
    public static Setup Inputs(int seed, (int Rows, int Cols)[] shapes, Func<Random, double> draw)
    {
        var store = new ParameterStore<double>(TestDevice.Cpu, (ulong)seed);
        foreach (var (s, i) in shapes.Select((s, i) => (s, i))) store.Add($"in{i}", s.Rows, s.Cols, Init.Zeros);
        store.Materialize();
        var rng = new Random(seed);
        var values = shapes.Select(s => Enumerable.Range(0, s.Rows * s.Cols).Select(_ => draw(rng)).ToArray()).ToArray();
        store.Upload(values.SelectMany(v => v).ToArray());
        return new Setup(store, values);
    }

    public static GradCheck.Result Gradient(Setup setup, int seed, Func<GraphBuilder<double>, Node<double>[], Node<double>> build)
    {
        var g = new GraphBuilder<double>(setup.Store, setup.Store.Parameters[0].Rows, training: true);
        var output = build(g, setup.Store.Parameters.Select(g.Param).ToArray());
        var r = g.Input("r", output.Cols, output.Rows);
        g.Loss("objective", g.Sum(g.Mul(output, r)));
        using var plan = g.Compile();
        var rng = new Random(seed + 1);
        var weights = Enumerable.Range(0, (int)output.Length).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        return GradCheck.Check(plan, () => { plan.SetInput(r, weights); plan.Forward(); }, perParameter: 40);
    }

    /// <summary>The op's output after one forward pass.</summary>
    public static double[] Value(Setup setup, Func<GraphBuilder<double>, Node<double>[], Node<double>> build)
    {
        var g = new GraphBuilder<double>(setup.Store, setup.Store.Parameters[0].Rows, training: false);
        var output = build(g, setup.Store.Parameters.Select(g.Param).ToArray());
        g.Output("value", output);
        // A plan with no loss term fails to allocate its (empty) term table: give it one.
        g.Loss("probe", g.Sum(output));
        using var plan = g.Compile();
        plan.Forward();
        return plan.Read("value");
    }

    public static void Holds(GradCheck.Result result) =>
        Assert.True(result.MaxError < GradCheck.Tolerance, $"max error {result.MaxError:E2} at {result.Worst}");

    public static void Close(double expected, double actual, double relative = 1e-12, string what = "") =>
        Assert.True(Math.Abs(expected - actual) <= relative * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected:R}, got {actual:R}");
}
