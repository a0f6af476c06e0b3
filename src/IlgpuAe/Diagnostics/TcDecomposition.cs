using System.Numerics;
using IlgpuAe.Data;
using IlgpuAe.Graph;
using IlgpuAe.Models;
using IlgpuAe.Ops;

namespace IlgpuAe.Diagnostics;

/// <summary>
/// The β-TCVAE decomposition of the KL on a data set, E KL(q(z|x) || p(z)) ≈ index-code MI + total correlation + dimension-wise
/// KL, each by minibatch-weighted sampling (Chen et al. 2018) over batches of <see cref="Batch"/> codes of a set of
/// <see cref="Images"/> images. <see cref="MeanKl"/> is mean_i [log q(z_i|x_i) − log p(z_i)] at the same codes, computed on the host
/// in double: the three parts telescope to it exactly (the log(N·B) constants cancel), so their sum differs from it only by rounding.
/// </summary>
public sealed record TcDecomposition(double MutualInformation, double TotalCorrelation, double DimensionWiseKl, double MeanKl, int Batch, int Images);

/// <summary>The β-TCVAE decomposition as an evaluation diagnostic of any diagonal-posterior VAE with the N(0, I) prior.</summary>
public static class TcDiagnostics
{
    /// <summary>
    /// One code z_n = μ_n + e^{½logσ²_n}·ε_n per image (ε from Philox(seed, 0xD2, element)), the images cut into ⌊N/B⌋ batches of
    /// B = min(<paramref name="batch"/>, N) in order (the last N mod B images are left out, so that every batch has B codes), each part
    /// the mean over the batches of the TotalCorrelation kernels' estimate with N the data set's size.
    /// IlgpuAeException unless the model is a VAE with the diagonal posterior and the N(0, I) prior (the parts' log p(z) is N(0, I)'s).
    /// </summary>
    public static TcDecomposition Estimate<T>(Vae<T> model, Dataset data, int batch, ulong seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (model.Posterior != Posterior.Diag || model.Options.Prior != Prior.Normal)
            throw new IlgpuAeException("the total-correlation decomposition needs a vae with the diagonal posterior and the N(0, I) prior");
        if (batch < 1) throw new IlgpuAeException($"the total-correlation decomposition needs batches of at least 1 code, got {batch}");
        int n = data.Count, d = model.Latent;
        if (n < 1) throw new IlgpuAeException("the total-correlation decomposition needs at least one image");
        var (mean, logVar) = VaeDiagnostics.Posteriors(model, data, 500, d, d);
        var z = new double[mean.Length];
        for (long i = 0; i < z.Length; i++) z[i] = mean[i] + Math.Exp(0.5 * logVar[i]) * HostRandom.PhiloxNormal(seed, 0xD2, i);
        return Parts(model.Parameters, z, mean, logVar, d, Math.Min(batch, n), n);
    }

    /// <summary>
    /// The parts for given codes <paramref name="z"/>, means and log-variances (each [N, d] row-major, N = <paramref name="dataSize"/>),
    /// through a graph of the three <see cref="GraphBuilder{T}.KlPart"/> ops on <paramref name="store"/>'s device, over ⌊N/B⌋ batches of B.
    /// </summary>
    public static TcDecomposition Parts<T>(ParameterStore<T> store, double[] z, double[] mean, double[] logVar, int d, int batch, int dataSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int batches = dataSize / batch;
        if (batches < 1) throw new IlgpuAeException($"the total-correlation decomposition needs at least one batch of {batch} codes, got {dataSize}");
        var g = new GraphBuilder<T>(store, batch, training: false);
        var zi = g.Input("z", d);
        var mi = g.Input("mean", d);
        var lv = g.Input("logvar", d);
        g.Output("mi", g.KlPart(zi, mi, lv, KlPart.MutualInformation, dataSize));
        g.Output("tc", g.KlPart(zi, mi, lv, KlPart.TotalCorrelation, dataSize));
        g.Output("dwkl", g.KlPart(zi, mi, lv, KlPart.DimensionWiseKl, dataSize));
        using var plan = g.Compile();
        double sMi = 0, sTc = 0, sDw = 0;
        int len = batch * d;
        for (int b = 0; b < batches; b++)
        {
            T[] Slice(double[] a) => a.AsSpan(b * len, len).ToArray().Select(T.CreateTruncating).ToArray();
            plan.SetInput(plan.Input("z"), Slice(z));
            plan.SetInput(plan.Input("mean"), Slice(mean));
            plan.SetInput(plan.Input("logvar"), Slice(logVar));
            plan.Forward();
            sMi += double.CreateTruncating(plan.Read("mi")[0]);
            sTc += double.CreateTruncating(plan.Read("tc")[0]);
            sDw += double.CreateTruncating(plan.Read("dwkl")[0]);
        }
        // log q(z|x) − log p(z) = ½ Σ_k [z² − (z − μ)² e^{−v} − v] per code, over the same codes.
        int used = batches * batch;
        double kl = 0;
        for (int i = 0; i < used; i++)
            for (int k = 0; k < d; k++)
            {
                int ik = i * d + k;
                double diff = z[ik] - mean[ik];
                kl += 0.5 * (z[ik] * z[ik] - diff * diff * Math.Exp(-logVar[ik]) - logVar[ik]);
            }
        return new TcDecomposition(sMi / batches, sTc / batches, sDw / batches, kl / used, batch, used);
    }
}
