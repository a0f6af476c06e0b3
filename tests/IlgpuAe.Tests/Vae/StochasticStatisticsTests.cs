using IlgpuAe.Graph;
using Xunit;

namespace IlgpuAe.Tests.Vae;

/// <summary>
/// Statistical checks of the sampler and the KL ops against Monte Carlo, in double with fixed
/// seeds. With n samples the standard error of a mean is σ/√n; tolerances are stated per test.
/// </summary>
public class StochasticStatisticsTests
{
    const int Samples = 20000;

    /// <summary>Runs a graph of <paramref name="rows"/> rows once with fixed parameter values and returns an output.</summary>
    static double[] Run(int rows, (string Name, int Cols, double[] Row)[] inputs, Func<GraphBuilder<double>, Node<double>[], Node<double>> build,
        string? term = null)
    {
        using var store = new ParameterStore<double>(TestDevice.Cpu, 1);
        store.Add("unused", 1, 1, Init.Zeros);
        var g = new GraphBuilder<double>(store, rows, training: false);
        var nodes = inputs.Select(i => g.Input(i.Name, i.Cols)).ToArray();
        var output = build(g, nodes);
        if (output.IsScalar) g.Loss("value", output);
        else g.Output("out", output);
        using var plan = g.Compile();
        plan.Seed = 11;
        for (int i = 0; i < inputs.Length; i++)
            plan.SetInput(nodes[i], Enumerable.Range(0, rows).SelectMany(_ => inputs[i].Row).ToArray());
        plan.Forward();
        return output.IsScalar ? [plan.Term("value")] : plan.Read("out");
    }

    static double[,] Covariance(double[] z, int dim, double[] mean)
    {
        int n = z.Length / dim;
        var c = new double[dim, dim];
        for (int r = 0; r < n; r++)
            for (int i = 0; i < dim; i++)
                for (int j = 0; j < dim; j++)
                    c[i, j] += (z[r * dim + i] - mean[i]) * (z[r * dim + j] - mean[j]) / (n - 1);
        return c;
    }

    static double[] Mean(double[] z, int dim) =>
        Enumerable.Range(0, dim).Select(j => Enumerable.Range(0, z.Length / dim).Average(r => z[r * dim + j])).ToArray();

    [Fact]
    public void Full_covariance_samples_have_mean_mu_and_covariance_L_Lt()
    {
        // Tolerance: 5 standard errors; se(mean_i) = √Σ_ii/√n, se(Σ_ij) ≤ √(Σ_ii Σ_jj + Σ_ij²)/√n.
        double[] mu = [0.5, -1.0, 2.0];
        double[] l = [0.8, 0, 0, -0.3, 0.5, 0, 0.6, 0.2, 1.1];
        var z = Run(Samples, [("mu", 3, mu), ("l", 9, l)], (g, n) => g.ReparameterizeFull(n[0], n[1], g.Noise(3)));
        var sigma = new double[3, 3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 3; k++) sigma[i, j] += l[i * 3 + k] * l[j * 3 + k];
        var m = Mean(z, 3);
        var c = Covariance(z, 3, m);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(Math.Abs(m[i] - mu[i]) < 5 * Math.Sqrt(sigma[i, i] / Samples), $"mean {i}: {m[i]:F4} vs {mu[i]}");
            for (int j = 0; j < 3; j++)
            {
                double se = Math.Sqrt((sigma[i, i] * sigma[j, j] + sigma[i, j] * sigma[i, j]) / Samples);
                Assert.True(Math.Abs(c[i, j] - sigma[i, j]) < 5 * se, $"cov[{i},{j}]: {c[i, j]:F4} vs {sigma[i, j]:F4}");
            }
        }
    }

    [Fact]
    public void Diagonal_samples_have_mean_mu_and_variance_exp_logvar()
    {
        double[] mu = [1.5, -0.2];
        double[] lv = [-1.0, 0.7];
        var z = Run(Samples, [("mu", 2, mu), ("lv", 2, lv)], (g, n) => g.Reparameterize(n[0], n[1], g.Noise(2)));
        var m = Mean(z, 2);
        var c = Covariance(z, 2, m);
        for (int i = 0; i < 2; i++)
        {
            double v = Math.Exp(lv[i]);
            Assert.True(Math.Abs(m[i] - mu[i]) < 5 * Math.Sqrt(v / Samples), $"mean {i}");
            Assert.True(Math.Abs(c[i, i] - v) < 5 * v * Math.Sqrt(2.0 / Samples), $"var {i}: {c[i, i]:F4} vs {v:F4}");
        }
        Assert.True(Math.Abs(c[0, 1]) < 5 * Math.Sqrt(Math.Exp(lv[0] + lv[1]) / Samples), "independent coordinates");
    }

    [Fact]
    public void Closed_form_kls_agree_with_monte_carlo_log_ratios()
    {
        // KL = E_q[log q(z) − log p(z)]; the estimate's standard error is measured from the same samples; 5 se.
        double[] mu = [0.7, -0.4];
        double[] l = [1.3, 0, 0.4, 0.6];
        double closedFull = Run(1, [("mu", 2, mu), ("l", 4, l)], (g, n) => g.KlStandardNormalFull(n[0], n[1]))[0];
        var z = Run(Samples, [("mu", 2, mu), ("l", 4, l)], (g, n) => g.ReparameterizeFull(n[0], n[1], g.Noise(2)));
        AssertMonteCarlo(closedFull, z, zi => LogGaussianFull(zi, mu, l) - LogStdNormal(zi));

        double[] mq = [0.3, 1.0], lq = [-0.5, 0.2], mp = [-0.2, 0.4], lp = [0.3, -0.6];
        double closedPair = Run(1, [("mq", 2, mq), ("lq", 2, lq), ("mp", 2, mp), ("lp", 2, lp)], (g, n) => g.KlGaussians(n[0], n[1], n[2], n[3]))[0];
        var zq = Run(Samples, [("mq", 2, mq), ("lq", 2, lq)], (g, n) => g.Reparameterize(n[0], n[1], g.Noise(2)));
        AssertMonteCarlo(closedPair, zq, zi => LogDiag(zi, mq, lq) - LogDiag(zi, mp, lp));

        double closedDiag = Run(1, [("mq", 2, mq), ("lq", 2, lq)], (g, n) => g.KlStandardNormal(n[0], n[1]))[0];
        AssertMonteCarlo(closedDiag, zq, zi => LogDiag(zi, mq, lq) - LogStdNormal(zi));
    }

    [Fact]
    public void Monte_carlo_gmm_kl_of_a_one_component_mixture_averages_to_the_closed_form()
    {
        // With one component the mixture is a Gaussian: the one-sample KL averaged over many rows
        // must match KL(q || N(m, diag)) in closed form, within 5 standard errors (σ of the per-row estimate ≈ 1.5 here).
        double[] mu = [0.3, -0.6], lv = [-0.4, 0.3], m = [0.1, 0.2], mlv = [0.2, -0.3];
        double closed = Run(1, [("mq", 2, mu), ("lq", 2, lv), ("mp", 2, m), ("lp", 2, mlv)], (g, n) => g.KlGaussians(n[0], n[1], n[2], n[3]))[0];
        using var store = new ParameterStore<double>(TestDevice.Cpu, 1);
        store.Add("unused", 1, 1, Init.Zeros);
        var g = new GraphBuilder<double>(store, Samples, training: false);
        var (nMu, nLv) = (g.Input("mu", 2), g.Input("lv", 2));
        var (nM, nMlv, nW) = (g.Input("m", 2, rows: 1), g.Input("mlv", 2, rows: 1), g.Input("w", 1, rows: 1));
        var eps = g.Noise(2);
        g.Loss("kl", g.KlGmmMonteCarlo(g.Reparameterize(nMu, nLv, eps), eps, nLv, Ops.PosteriorKind.Diagonal, nM, nMlv, nW));
        using var plan = g.Compile();
        plan.Seed = 5;
        plan.SetInput(nMu, Enumerable.Range(0, Samples).SelectMany(_ => mu).ToArray());
        plan.SetInput(nLv, Enumerable.Range(0, Samples).SelectMany(_ => lv).ToArray());
        plan.SetInput(nM, m);
        plan.SetInput(nMlv, mlv);
        plan.SetInput(nW, [0.0]);
        plan.Forward();
        double mc = plan.Term("kl");
        Assert.True(Math.Abs(mc - closed) < 5 * 1.5 / Math.Sqrt(Samples), $"Monte Carlo {mc:F4} vs closed form {closed:F4}");
    }

    static void AssertMonteCarlo(double closed, double[] z, Func<double[], double> logRatio)
    {
        int n = z.Length / 2;
        var values = Enumerable.Range(0, n).Select(r => logRatio([z[2 * r], z[2 * r + 1]])).ToArray();
        double mean = values.Average();
        double se = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (n - 1) / n);
        Assert.True(Math.Abs(mean - closed) < 5 * se, $"Monte Carlo {mean:F4} ± {se:F4} vs closed form {closed:F4}");
    }

    static double LogStdNormal(double[] z) => -0.5 * z.Sum(v => v * v + Math.Log(2 * Math.PI));

    static double LogDiag(double[] z, double[] m, double[] lv) =>
        -0.5 * z.Select((v, i) => (v - m[i]) * (v - m[i]) * Math.Exp(-lv[i]) + lv[i] + Math.Log(2 * Math.PI)).Sum();

    static double LogGaussianFull(double[] z, double[] mu, double[] l)
    {
        double y0 = (z[0] - mu[0]) / l[0];
        double y1 = (z[1] - mu[1] - l[2] * y0) / l[3];
        return -0.5 * (y0 * y0 + y1 * y1 + 2 * Math.Log(2 * Math.PI)) - Math.Log(Math.Abs(l[0] * l[3]));
    }
}
