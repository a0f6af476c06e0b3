using System.Numerics;
using IlgpuAe.Kernels;

namespace IlgpuAe.Models;

/// <summary>
/// A learned diagonal Gaussian-mixture prior p(z) = Σ_k π_k N(z; m_k, diag e^{logσ²_k}), π = softmax(logits).
/// Means start spread over U(−1, 1) so that the components differ; variances at 1, weights equal.
/// </summary>
public sealed class MixturePrior<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly ParameterStore<T> _store;

    /// <summary>
    /// Adds <paramref name="name"/>.means [components, latent] (U(−1, 1)), .logvars [components, latent] (0, so σ² = 1) and
    /// .logits [1, components] (0, so equal weights) to <paramref name="store"/>.
    /// </summary>
    public MixturePrior(ParameterStore<T> store, string name, int components, int latent)
    {
        _store = store;
        Components = components;
        Latent = latent;
        // Xavier with fan-in + fan-out = 6 draws U(−1, 1).
        Means = store.Add($"{name}.means", components, latent, Init.Xavier, 3, 3);
        LogVars = store.Add($"{name}.logvars", components, latent, Init.Zeros);
        Logits = store.Add($"{name}.logits", 1, components, Init.Zeros);
    }

    /// <summary>Number K of mixture components.</summary>
    public int Components { get; }
    /// <summary>Dimension d of z, the columns of <see cref="Means"/> and <see cref="LogVars"/>.</summary>
    public int Latent { get; }
    /// <summary>Component means m_k, [K, latent] row-major.</summary>
    public Parameter<T> Means { get; }
    /// <summary>Component log-variances logσ²_k, [K, latent] row-major (diagonal covariances).</summary>
    public Parameter<T> LogVars { get; }
    /// <summary>Unnormalised mixture weights, [1, K]; π = softmax(logits).</summary>
    public Parameter<T> Logits { get; }

    (double[] M, double[] L, double[] W) Read()
    {
        var all = _store.Download();
        double[] Slice(Parameter<T> p) => all.AsSpan((int)p.Offset, (int)p.Length).ToArray().Select(v => double.CreateTruncating(v)).ToArray();
        return (Slice(Means), Slice(LogVars), Slice(Logits));
    }

    /// <summary>log p(z) per row: the formula of <see cref="MixtureReference.NegLogDensity"/> in plain loops (diagnostics score millions of rows).</summary>
    public double[] LogDensity(double[] z, int rows)
    {
        var (m, l, w) = Read();
        return PriorMath.LogMixture(z, rows, Latent, m, l, w);
    }

    /// <summary>Draws a component from softmax(logits), then z from it; counter-based so a seed repeats.</summary>
    public double[] Sample(int count, ulong seed)
    {
        var (m, l, w) = Read();
        double max = w.Max();
        var p = w.Select(v => Math.Exp(v - max)).ToArray();
        double total = p.Sum();
        var z = new double[count * Latent];
        for (int r = 0; r < count; r++)
        {
            double u = HostRandom.Uniform(seed, 0xC0, (ulong)r) * total;
            int k = 0;
            while (k < Components - 1 && u >= p[k]) u -= p[k++];
            for (int j = 0; j < Latent; j++)
            {
                double eps = HostRandom.PhiloxNormal(seed, 0xC1, (long)r * Latent + j);
                z[r * Latent + j] = m[k * Latent + j] + Math.Exp(0.5 * l[k * Latent + j]) * eps;
            }
        }
        return z;
    }
}

/// <summary>Host-side Gaussian log-densities and samples for diagnostics (never in a training step).</summary>
public static class PriorMath
{
    /// <summary>log 2π ≈ 1.8379, the constant of every Gaussian log-density.</summary>
    public static readonly double Log2Pi = Math.Log(2 * Math.PI);

    /// <summary>log N(z_r; 0, I) = −½(‖z_r‖² + dim·log 2π) in nats, one per row of z [rows, dim] row-major.</summary>
    public static double[] LogStandardNormal(double[] z, int rows, int dim)
    {
        var result = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double acc = 0;
            for (int j = 0; j < dim; j++) acc += z[r * dim + j] * z[r * dim + j];
            result[r] = -0.5 * (acc + dim * Log2Pi);
        }
        return result;
    }

    /// <summary>
    /// <paramref name="count"/>·<paramref name="dim"/> draws of N(0, 1), [count, dim] row-major, element i from
    /// <see cref="HostRandom.PhiloxNormal"/>(seed, stream 0xC1, i): the same seed gives the same samples.
    /// </summary>
    public static double[] StandardNormalSamples(int count, int dim, ulong seed) =>
        Enumerable.Range(0, count * dim).Select(i => HostRandom.PhiloxNormal(seed, 0xC1, i)).ToArray();

    /// <summary>
    /// log Σ_k π_k N(z_r; m_k, diag e^{l_k}) per row of z [rows, dim], π = softmax(w), means m and log-variances l [K, dim]:
    /// the formula of <see cref="MixtureReference.NegLogDensity"/> (negated) in plain loops, one log-sum-exp per row.
    /// </summary>
    public static double[] LogMixture(double[] z, int rows, int dim, double[] m, double[] l, double[] w)
    {
        int d = dim, k = w.Length;
        double wMax = w.Max();
        double logNorm = wMax + Math.Log(w.Sum(v => Math.Exp(v - wMax)));
        var constant = new double[k];
        var inv = l.Select(v => Math.Exp(-v)).ToArray();
        for (int c = 0; c < k; c++)
        {
            double acc = 0;
            for (int j = 0; j < d; j++) acc += l[c * d + j] + Log2Pi;
            constant[c] = w[c] - logNorm - 0.5 * acc;
        }
        var result = new double[rows];
        Parallel.For(0, rows, () => new double[k], (r, _, a) =>
        {
            for (int c = 0; c < k; c++)
            {
                double quad = 0;
                for (int j = 0; j < d; j++)
                {
                    double diff = z[r * d + j] - m[c * d + j];
                    quad += diff * diff * inv[c * d + j];
                }
                a[c] = constant[c] - 0.5 * quad;
            }
            result[r] = LogMeanExp(a) + Math.Log(k);
            return a;
        }, _ => { });
        return result;
    }

    /// <summary>log Σ exp(a_i) − log n, taken around the largest term.</summary>
    public static double LogMeanExp(ReadOnlySpan<double> a)
    {
        double max = double.NegativeInfinity;
        foreach (var v in a) if (v > max) max = v;
        if (double.IsNegativeInfinity(max)) return max;
        double sum = 0;
        foreach (var v in a) sum += Math.Exp(v - max);
        return max + Math.Log(sum) - Math.Log(a.Length);
    }
}
