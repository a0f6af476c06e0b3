using System.Numerics;
using System.Text.Json;
using IlgpuAe.Graph;

namespace IlgpuAe.Models;

/// <summary>
/// The importance-weighted autoencoder (Burda et al. 2015): the VAE's encoder and decoder, trained on
/// −log (1/K) Σ_k p(x|z_k) p(z_k) / q(z_k|x), z_k = μ(x) + σ(x)·ε_k, one term "iw_bound" per image (nats). The encoder
/// runs once per image; its μ and logσ² are tiled to K sample-major rows, so the decoder sees K·B rows. With K = 1 the
/// bound is the ELBO with a one-sample KL. With <see cref="IwaeOptions.Groups"/> M &gt; 1 it is MIWAE (Rainforth et al.
/// 2018): M·K tiled rows, and the term is the mean over the M groups of each group's K-sample bound. Evaluation graphs also
/// carry the VAE's outputs for one sample per image (what <c>eval --iw</c>, the KL decomposition and the pictures read).
/// </summary>
public sealed class Iwae<T> : Vae<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Builds the VAE of <paramref name="options"/>.Vae; throws <see cref="IlgpuAeException"/> when the options do not validate.</summary>
    public Iwae(Device device, IwaeOptions options, ulong seed = 1) : base(device, Checked(options).Vae, seed)
    {
        IwOptions = options;
    }

    static IwaeOptions Checked(IwaeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }

    /// <summary>The validated options (saved in checkpoints).</summary>
    public IwaeOptions IwOptions { get; }
    /// <summary>Importance samples K per image.</summary>
    public int Samples => IwOptions.Samples;
    /// <summary>Independent groups M of K samples per image (MIWAE); 1 for the IWAE.</summary>
    public int Groups => IwOptions.Groups;
    /// <summary>"iwae"</summary>
    public override string Kind => "iwae";
    /// <summary><see cref="IwOptions"/> as snake_case JSON.</summary>
    public override string ConfigJson() => JsonSerializer.Serialize(IwOptions, ModelJson.Options);

    /// <summary>
    /// The K samples of one image are drawn from one plan-wide noise op, sample-major: a data-parallel rank's slice would draw
    /// other numbers than the same rows of the whole batch.
    /// </summary>
    public override string? NotRowSeparable => "the iwae draws its K samples per image sample-major over the whole batch, so a rank's slice would draw other noise";

    /// <summary>Input "x" [rows, Features]; the term "iw_bound"; in evaluation graphs also the VAE's outputs for one sample per image.</summary>
    protected override void Build(GraphBuilder<T> g)
    {
        var x = g.Input("x", Features);
        var h = Encoder.Apply(g, Convolutions?.Apply(g, x) ?? x);
        // Row s·B + b is draw s of image b, s = k·M + m: the log-mean-exp over K reads rows K apart by M·B, so each (m, b)
        // is one group of K, and the term's mean over its M·B groups is the per-image MIWAE(M, K) bound.
        int k = Samples, draws = Samples * Groups;
        var mean = g.TileRows(Head.Mean.Apply(g, h), draws);
        var logVar = g.TileRows(Head.Scale.Apply(g, h), draws);
        var eps = g.Noise(Latent, g.Batch * draws);
        var z = g.Reparameterize(mean, logVar, eps);
        var d = Decoder.Apply(g, z);
        // The likelihood reads the B images tiled: K copies need not be stored.
        var nll = d.LogVar is not null ? g.RowNll(Decoder.Likelihood, 0, d.Out, d.LogVar, x) : g.RowNll(Decoder.Likelihood, Decoder.FixedLogVar, d.Out, x);
        var logWeights = g.Subtract(g.LogPriorRatio(z, eps, logVar), nll);
        g.Loss("iw_bound", g.NegLogMeanExp(logWeights, k));
        if (g.Training) return;
        var q = Head.Apply(g, h);
        VariationalOutputs.Add(g, q, Decoder, Decoder.Apply(g, q.Z), x);
    }
}
