using System.Numerics;
using IlgpuAe.Data;
using IlgpuAe.Models;

namespace IlgpuAe.Diagnostics;

/// <summary>An importance-weighted estimate of −log p(x) per image, beside the one-sample negative ELBO of the same draws.</summary>
public sealed record ImportanceEstimate(double Nll, double NegElbo, int Images, int Samples);

/// <summary>
/// E_x KL(q(z|x) || p(z)) = I(x; z) + KL(q(z) || p(z)), q(z) the aggregated posterior of the test set.
/// <see cref="ClosedFormKl"/> is the exact average KL where a closed form exists (NaN for a mixture prior).
/// </summary>
public sealed record KlDecomposition(double MeanKl, double MutualInformation, double MarginalKl, double ClosedFormKl, int Samples, int Components);

/// <summary>
/// Diagnostics of variational models, computed on the host from the evaluation graph's outputs
/// (posterior parameters, ε, z, −log p(x|z) per row): they run once per evaluation, not per step.
/// </summary>
public static class VaeDiagnostics
{
    /// <summary>
    /// −log p(x) ≈ −log (1/K) Σ_k p(x|z_k) p(z_k) / q(z_k|x), z_k ~ q(z|x), for each image; averaged.
    /// The K samples of one image are K rows of one evaluation batch, so they get distinct ε.
    /// </summary>
    public static ImportanceEstimate ImportanceWeighted<T>(Model<T> model, Dataset data, int samples, ulong seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var v = (IVariationalModel<T>)model;
        int perRun = Math.Max(1, 1024 / samples);
        perRun = Math.Min(perRun, data.Count);
        double nll = 0, elbo = 0;
        var images = new float[perRun * data.Features];
        var labels = new byte[perRun];
        for (int start = 0, run = 0; start < data.Count; start += perRun, run++)
        {
            int count = Math.Min(perRun, data.Count - start);
            // Pad a short last run with its final image so that one plan size serves every run.
            var indices = Enumerable.Range(0, perRun).Select(i => start + Math.Min(i, count - 1)).ToArray();
            data.Gather(indices, images);
            data.GatherLabels(indices, labels);
            var plan = model.OutputPlan(perRun * samples);
            plan.Step = (1UL << 32) + seed + (ulong)run;
            v.FeedRepeated(plan, new Batch(images, labels, perRun), samples);
            plan.Forward();
            var logW = LogWeights(v, plan, perRun * samples);
            for (int i = 0; i < count; i++)
            {
                var w = logW.AsSpan(i * samples, samples);
                nll -= PriorMath.LogMeanExp(w);
                double s = 0;
                foreach (var x in w) s += x;
                elbo -= s / samples;
            }
        }
        return new ImportanceEstimate(nll / data.Count, elbo / data.Count, data.Count, samples);
    }

    /// <summary>
    /// The negative conditional log-likelihood of the hidden block (or hidden quadrants) of a masked-condition CVAE,
    /// −log p(x_hidden | c) ≈ −log (1/K) Σ_k p(x_hidden|z_k, c) p(z_k|c) / q(z_k|x, c), z_k ~ q(z|x, c),
    /// averaged over images: the proposal sees the whole image, the likelihood scores only hidden pixels.
    /// </summary>
    public static ImportanceEstimate HiddenBlockNll<T>(Cvae<T> model, Dataset data, int samples, ulong seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (model.Options.Condition is not (Condition.Masked or Condition.Quadrants))
            throw new IlgpuAeException("the hidden-block likelihood needs a cvae with --condition masked or quadrants");
        int f = data.Features;
        int perRun = Math.Min(Math.Max(1, 1024 / samples), data.Count);
        double nll = 0, elbo = 0;
        var images = new float[perRun * f];
        var labels = new byte[perRun];
        for (int start = 0, run = 0; start < data.Count; start += perRun, run++)
        {
            int count = Math.Min(perRun, data.Count - start);
            var indices = Enumerable.Range(0, perRun).Select(i => start + Math.Min(i, count - 1)).ToArray();
            data.Gather(indices, images);
            data.GatherLabels(indices, labels);
            var batch = new Batch(images, labels, perRun);
            var plan = model.OutputPlan(perRun * samples);
            plan.Step = (1UL << 32) + seed + (ulong)run;
            model.FeedRepeated(plan, batch, samples);
            model.Conditions(batch, plan.Step, out var observed);
            plan.Forward();
            var logits = plan.Read("logits");
            var hiddenNll = new double[perRun * samples];
            Parallel.For(0, perRun * samples, r =>
            {
                int image = r / samples;
                double acc = 0;
                for (int p = 0; p < f; p++)
                {
                    if (observed[image * f + p] != 0) continue;
                    double z = double.CreateTruncating(logits[(long)r * f + p]), x = images[image * f + p];
                    acc += Math.Max(z, 0) - z * x + Math.Log(1 + Math.Exp(-Math.Abs(z)));
                }
                hiddenNll[r] = acc;
            });
            var logW = LogWeights(model, plan, perRun * samples, hiddenNll);
            for (int i = 0; i < count; i++)
            {
                var w = logW.AsSpan(i * samples, samples);
                nll -= PriorMath.LogMeanExp(w);
                double s = 0;
                foreach (var x in w) s += x;
                elbo -= s / samples;
            }
        }
        return new ImportanceEstimate(nll / data.Count, elbo / data.Count, data.Count, samples);
    }

    /// <summary>log p(x|z) + log p(z) − log q(z|x) per row of an evaluation plan that has run.</summary>
    public static double[] LogWeights<T>(IVariationalModel<T> v, Graph.Plan<T> plan, int rows, double[]? rowNllOverride = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rowNll = rowNllOverride ?? Doubles(plan.Read("row_nll"));
        var z = Doubles(plan.Read("z"));
        var eps = Doubles(plan.Read("eps"));
        var scale = Doubles(plan.Read("scale"));
        var logP = v.LogPrior(plan, z, rows);
        int d = v.Latent;
        var result = new double[rows];
        for (int r = 0; r < rows; r++)
            result[r] = -rowNll[r] + logP[r] + NegLogQAtSample(eps, scale, r, d, v.Posterior);
        return result;
    }

    /// <summary>−log q(z|x) at z = μ + B·ε: ½‖ε‖² + (d/2) log 2π + log|det B|.</summary>
    static double NegLogQAtSample(double[] eps, double[] scale, int r, int d, Posterior posterior)
    {
        double acc = 0;
        for (int j = 0; j < d; j++)
        {
            double e = eps[r * d + j];
            acc += 0.5 * (e * e + PriorMath.Log2Pi);
            acc += posterior == Posterior.Diag ? 0.5 * scale[r * d + j] : Math.Log(Math.Abs(scale[(r * d + j) * d + j]));
        }
        return acc;
    }

    /// <summary>
    /// Monte Carlo over the aggregated posterior q(z) = (1/N) Σ_n q(z|x_n), the mixture of the
    /// posteriors of all N test images: one z_n ~ q(z|x_n) for each of the first
    /// <paramref name="samples"/> images; log q(z_n) = log-mean-exp over all N components; then
    /// I ≈ mean_n [log q(z_n|x_n) − log q(z_n)] and KL(q(z)||p(z)) ≈ mean_n [log q(z_n) − log p(z_n)].
    /// Their sum is the one-sample estimate of E_x KL(q(z|x)||p(z)). I is at most log N by construction.
    /// </summary>
    public static KlDecomposition KlDecomposition<T>(Model<T> model, Dataset data, int samples, ulong seed, int batch = 500)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var v = (IVariationalModel<T>)model;
        int d = v.Latent, n = data.Count;
        int scaleCols = v.Posterior == Posterior.Diag ? d : d * d;
        var (mean, scale) = Posteriors(model, data, batch, d, scaleCols);
        samples = Math.Min(samples, n);

        // Per component: the inverse standard deviations (diagonal) or L itself (full), and log|det B|.
        var logDet = new double[n];
        for (int m = 0; m < n; m++)
            for (int j = 0; j < d; j++)
                logDet[m] += v.Posterior == Posterior.Diag ? 0.5 * scale[m * d + j] : Math.Log(Math.Abs(scale[(m * d + j) * d + j]));

        var z = new double[samples * d];
        for (int s = 0; s < samples; s++)
        {
            var eps = Enumerable.Range(0, d).Select(j => HostRandom.PhiloxNormal(seed, 0xD1, (long)s * d + j)).ToArray();
            for (int i = 0; i < d; i++)
            {
                double acc = mean[s * d + i];
                if (v.Posterior == Posterior.Diag) acc += Math.Exp(0.5 * scale[s * d + i]) * eps[i];
                else for (int j = 0; j <= i; j++) acc += scale[(s * d + i) * d + j] * eps[j];
                z[s * d + i] = acc;
            }
        }

        var logQOwn = new double[samples];
        var logQAgg = new double[samples];
        Parallel.For(0, samples, s =>
        {
            var logs = new double[n];
            var y = new double[d];
            for (int m = 0; m < n; m++) logs[m] = LogQ(z, s, mean, scale, logDet, m, d, v.Posterior, y);
            logQOwn[s] = logs[s];
            logQAgg[s] = PriorMath.LogMeanExp(logs);
        });
        var plan = model.OutputPlan(batch);
        var logP = v.LogPrior(plan, z, samples);
        double mi = 0, marginal = 0;
        for (int s = 0; s < samples; s++)
        {
            mi += logQOwn[s] - logQAgg[s];
            marginal += logQAgg[s] - logP[s];
        }
        mi /= samples;
        marginal /= samples;
        double closed = model is Vae<T> { Mixture: null, Vamp: null } ? ClosedFormKl(mean, scale, n, d, v.Posterior) : double.NaN;
        return new KlDecomposition(mi + marginal, mi, marginal, closed, samples, n);
    }

    /// <summary>log N(z_s; μ_m, B_m B_mᵀ), with a forward substitution for a full L.</summary>
    static double LogQ(double[] z, int s, double[] mean, double[] scale, double[] logDet, int m, int d, Posterior posterior, double[] y)
    {
        double quad = 0;
        if (posterior == Posterior.Diag)
            for (int j = 0; j < d; j++)
            {
                double diff = z[s * d + j] - mean[m * d + j];
                quad += diff * diff * Math.Exp(-scale[m * d + j]);
            }
        else
            for (int i = 0; i < d; i++)
            {
                long row = ((long)m * d + i) * d;
                double acc = z[s * d + i] - mean[m * d + i];
                for (int j = 0; j < i; j++) acc -= scale[row + j] * y[j];
                y[i] = acc / scale[row + i];
                quad += y[i] * y[i];
            }
        return -0.5 * (quad + d * PriorMath.Log2Pi) - logDet[m];
    }

    static double ClosedFormKl(double[] mean, double[] scale, int n, int d, Posterior posterior)
    {
        double total = 0;
        for (int m = 0; m < n; m++)
        {
            var mu = mean.AsSpan(m * d, d).ToArray();
            total += posterior == Posterior.Diag
                ? Kernels.DivergenceReference.KlDiagonal(mu, scale.AsSpan(m * d, d).ToArray(), 1, d)[0]
                : Kernels.DivergenceReference.KlLowerTriangular(mu, scale.AsSpan(m * d * d, d * d).ToArray(), 1, d)[0];
        }
        return total / n;
    }

    /// <summary>μ and the scale (logσ² or L) of q(z|x) for every image, through the evaluation plan.</summary>
    public static (double[] Mean, double[] Scale) Posteriors<T>(Model<T> model, Dataset data, int batch, int d, int scaleCols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = data.Count;
        batch = Math.Min(batch, n);
        var mean = new double[n * d];
        var scale = new double[(long)n * scaleCols];
        var images = new float[batch * data.Features];
        var labels = new byte[batch];
        var plan = model.OutputPlan(batch);
        for (int start = 0; start < n; start += batch)
        {
            int count = Math.Min(batch, n - start);
            var indices = Enumerable.Range(0, batch).Select(i => start + Math.Min(i, count - 1)).ToArray();
            data.Gather(indices, images);
            data.GatherLabels(indices, labels);
            plan.Step = 0;
            model.Feed(plan, new Batch(images, labels, batch));
            plan.Forward();
            var mu = plan.Read("mean");
            var sc = plan.Read("scale");
            for (int i = 0; i < count * d; i++) mean[(long)start * d + i] = double.CreateTruncating(mu[i]);
            for (long i = 0; i < (long)count * scaleCols; i++) scale[(long)start * scaleCols + i] = double.CreateTruncating(sc[i]);
        }
        return (mean, scale);
    }

    static double[] Doubles<T>(T[] values) where T : unmanaged, IFloatingPointIeee754<T> =>
        values.Select(x => double.CreateTruncating(x)).ToArray();
}
