using System.Numerics;
using System.Text.Json;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;
using IlgpuAe.Ops;

namespace IlgpuAe.Models;

/// <summary>
/// A variational autoencoder: q(z|x) = N(μ(x), Σ(x)) with Σ diagonal or full (LLᵀ), p(x|z)
/// Bernoulli or Gaussian, p(z) = N(0, I) or a learned Gaussian mixture. The objective is the
/// negative ELBO per image, reconstruction + beta·kl, with z = μ + B·ε (one sample per image).
/// </summary>
public sealed class Vae<T> : Model<T>, IVariationalModel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly Dictionary<int, Plan<T>> _decodePlans = [];

    public Vae(Device device, VaeOptions options, ulong seed = 1) : base(device, seed)
    {
        options.Validate();
        Options = options;
        Encoder = new ConditionedMlp<T>(Parameters, "encoder", options.Features, 0, options.Hidden, options.Activation);
        Head = new GaussianHead<T>(Parameters, "encoder.head", Encoder.Outputs, options.Latent, options.Posterior);
        Decoder = new LikelihoodDecoder<T>(Parameters, "decoder", options.Latent, 0, options.Hidden.Reverse().ToArray(),
            options.Activation, options.Features, options.Decoder, options.DecoderLogVar);
        if (options.Prior == Prior.Gmm)
            Mixture = new MixturePrior<T>(Parameters, "prior", options.Components, options.Latent);
    }

    public VaeOptions Options { get; }
    public ConditionedMlp<T> Encoder { get; }
    public GaussianHead<T> Head { get; }
    public LikelihoodDecoder<T> Decoder { get; }
    public MixturePrior<T>? Mixture { get; }
    public override string Kind => "vae";
    public override int Features => Options.Features;
    public int Latent => Options.Latent;
    public Posterior Posterior => Options.Posterior;
    public override string ConfigJson() => JsonSerializer.Serialize(Options, ModelJson.Options);

    protected override void Build(GraphBuilder<T> g)
    {
        var x = g.Input("x", Features);
        var q = Head.Apply(g, Encoder.Apply(g, x));
        var d = Decoder.Apply(g, q.Z);
        g.Loss("reconstruction", Decoder.Nll(g, d, x));
        var kl = Mixture is null
            ? Head.KlStandardNormal(g, q)
            : g.KlGmmMonteCarlo(q.Z, q.Eps, q.Scale, Head.Kind, g.Param(Mixture.Means), g.Param(Mixture.LogVars), g.Param(Mixture.Logits));
        g.Loss("kl", kl, Options.Beta);
        if (!g.Training) VariationalOutputs.Add(g, q, Decoder, d, x);
    }

    /// <summary>Decoder means for latent codes z [rows, latent] (row-major), through a decode-only plan.</summary>
    public float[] Decode(float[] z, int rows)
    {
        if (z.Length != rows * Latent) throw new IlgpuAeException($"decode expects {rows}x{Latent} latent values, got {z.Length}");
        if (!_decodePlans.TryGetValue(rows, out var plan))
        {
            var g = new GraphBuilder<T>(Parameters, rows, training: false);
            var zi = g.Input("z", Latent);
            g.Output("mean", Decoder.MeanImage(g, Decoder.Apply(g, zi)));
            plan = g.Compile();
            _decodePlans[rows] = plan;
        }
        plan.SetInput(plan.Input("z"), z);
        plan.Forward();
        return plan.Read("mean").Select(v => float.CreateTruncating(v)).ToArray();
    }

    /// <summary>log p(z) of the prior at each row of z [rows, latent] (host-side, for diagnostics).</summary>
    public double[] LogPrior(double[] z, int rows) => Mixture is null
        ? PriorMath.LogStandardNormal(z, rows, Latent)
        : Mixture.LogDensity(z, rows);

    double[] IVariationalModel<T>.LogPrior(Plan<T> plan, double[] z, int rows) => LogPrior(z, rows);

    public void FeedRepeated(Plan<T> plan, Batch batch, int repeats) => Feed(plan, Repeat(batch, repeats));

    /// <summary>Each row of the batch <paramref name="repeats"/> times in a row.</summary>
    public static Batch Repeat(Batch batch, int repeats)
    {
        int f = batch.Images.Length / Math.Max(1, batch.Rows);
        var images = new float[batch.Images.Length * repeats];
        var labels = new byte[batch.Rows * repeats];
        for (int r = 0; r < batch.Rows; r++)
            for (int k = 0; k < repeats; k++)
            {
                Array.Copy(batch.Images, r * f, images, (r * repeats + k) * f, f);
                labels[r * repeats + k] = batch.Labels[r];
            }
        return new Batch(images, labels, batch.Rows * repeats);
    }

    /// <summary>Samples of the prior, [count, latent] row-major, from Philox(seed, stream, index).</summary>
    public double[] SamplePrior(int count, ulong seed) => Mixture is null
        ? PriorMath.StandardNormalSamples(count, Latent, seed)
        : Mixture.Sample(count, seed);

    public override void Dispose()
    {
        foreach (var plan in _decodePlans.Values) plan.Dispose();
        _decodePlans.Clear();
        base.Dispose();
    }
}
