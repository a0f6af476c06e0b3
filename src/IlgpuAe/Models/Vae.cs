using System.Numerics;
using System.Text.Json;
using IlgpuAe.Data;
using IlgpuAe.Graph;
using IlgpuAe.Ops;

namespace IlgpuAe.Models;

/// <summary>
/// A variational autoencoder: q(z|x) = N(μ(x), Σ(x)) with Σ diagonal or full (LLᵀ), p(x|z)
/// Bernoulli or Gaussian, p(z) = N(0, I) or a learned Gaussian mixture. The objective is the
/// negative ELBO per image, reconstruction + beta·kl, with z = μ + B·ε (one sample per image).
/// A subclass changes the KL's weight (<see cref="KlWeight"/>: a warm-up, cyclical annealing) or adds terms
/// (<see cref="Regularize"/>), declaring a <see cref="Kind"/> of its own.
/// </summary>
public class Vae<T> : Model<T>, IVariationalModel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly Dictionary<int, Plan<T>> _decodePlans = [];
    Plan<T>? _vampPlan;

    /// <summary>
    /// Builds encoder, Gaussian head, decoder (hidden sizes reversed) and, for a GMM prior, the mixture, with parameters
    /// initialised from <paramref name="seed"/>. Throws <see cref="IlgpuAeException"/> when <paramref name="options"/> do not validate.
    /// </summary>
    public Vae(Device device, VaeOptions options, ulong seed = 1) : base(device, seed)
    {
        options.Validate();
        Options = options;
        Parameters.Scheme = options.Initialisation;
        if (options.Conv is { } conv)
        {
            Convolutions = new ConvEncoder<T>(Parameters, "encoder.conv", conv, options.Activation);
            Encoder = new ConditionedMlp<T>(Parameters, "encoder", Convolutions.Outputs, 0, [conv.Dense], options.Activation);
        }
        else Encoder = new ConditionedMlp<T>(Parameters, "encoder", options.Features, 0, options.Hidden, options.Activation);
        Head = new GaussianHead<T>(Parameters, "encoder.head", Encoder.Outputs, options.Latent, options.Posterior);
        Decoder = new LikelihoodDecoder<T>(Parameters, "decoder", options.Latent, 0, options.Hidden.Reverse().ToArray(),
            options.Activation, options.Features, options.Decoder, options.DecoderLogVar, options.Conv);
        if (options.Prior == Prior.Gmm)
            Mixture = new MixturePrior<T>(Parameters, "prior", options.Components, options.Latent);
        if (options.Prior == Prior.Vamp)
            Vamp = new VampPrior<T>(Parameters, "prior", options.PseudoInputs!.Value, options.Features);
    }

    /// <summary>The validated options the model was built from (saved in checkpoints).</summary>
    public VaeOptions Options { get; }
    /// <summary>The encoder's convolutions before <see cref="Encoder"/> (`--arch conv`); null for the MLP.</summary>
    public ConvEncoder<T>? Convolutions { get; }
    /// <summary>Trunk of q(z|x): Features → Hidden… (or the flattened convolutions → Dense), unconditioned.</summary>
    public ConditionedMlp<T> Encoder { get; }
    /// <summary>μ and scale of q(z|x) on the encoder trunk, and the reparameterised z.</summary>
    public GaussianHead<T> Head { get; }
    /// <summary>p(x|z): Latent → reversed Hidden… → Features logits or means (and a log-variance head when learned).</summary>
    public LikelihoodDecoder<T> Decoder { get; }
    /// <summary>The learned mixture p(z) of a GMM prior; null for N(0, I).</summary>
    public MixturePrior<T>? Mixture { get; }
    /// <summary>The pseudo-inputs of a VampPrior; null for the other priors.</summary>
    public VampPrior<T>? Vamp { get; }
    /// <summary>"vae"</summary>
    public override string Kind => "vae";
    /// <summary><see cref="VaeOptions.Features"/></summary>
    public override int Features => Options.Features;
    /// <summary><see cref="VaeOptions.Latent"/></summary>
    public int Latent => Options.Latent;
    /// <summary><see cref="VaeOptions.Posterior"/></summary>
    public Posterior Posterior => Options.Posterior;
    /// <summary><see cref="Options"/> as snake_case JSON (<see cref="ModelJson.Options"/>).</summary>
    public override string ConfigJson() => JsonSerializer.Serialize(Options, ModelJson.Options);

    /// <summary>
    /// Input "x" [rows, Features]; terms "reconstruction" (−log p(x|z) per image, nats, batch mean) and "kl" (weight
    /// <see cref="VaeOptions.Beta"/>: closed form for N(0, I), one-sample Monte Carlo for a GMM), or with
    /// <see cref="VaeOptions.TcBeta"/> "mi", "tc" (weight TcBeta) and "dwkl" in its place; in evaluation graphs
    /// the outputs of <see cref="VariationalOutputs"/>.
    /// </summary>
    protected override void Build(GraphBuilder<T> g)
    {
        var x = g.Input("x", Features);
        var q = Head.Apply(g, Encoder.Apply(g, Convolutions?.Apply(g, x) ?? x));
        var d = Decoder.Apply(g, q.Z);
        g.Loss("reconstruction", Decoder.Nll(g, d, x));
        if (Options.TcBeta is { } tcBeta)
        {
            // β-TCVAE: the KL's three parts replace it; their sum estimates the same KL.
            int n = Options.TcDataSize!.Value;
            g.Loss("mi", g.KlPart(q.Z, q.Mean, q.Scale, KlPart.MutualInformation, n));
            g.Loss("tc", g.KlPart(q.Z, q.Mean, q.Scale, KlPart.TotalCorrelation, n), tcBeta);
            g.Loss("dwkl", g.KlPart(q.Z, q.Mean, q.Scale, KlPart.DimensionWiseKl, n));
            Regularize(g, x, q, d.Out);
            if (!g.Training) VariationalOutputs.Add(g, q, Decoder, d, x);
            return;
        }
        Node<T> kl;
        if (Vamp is not null)
        {
            // The mixture's components are the encoder's posteriors at the pseudo-inputs, with equal weights (constant logits).
            var (means, logVars) = PseudoPosteriors(g);
            kl = g.KlGmmMonteCarlo(q.Z, q.Eps, q.Scale, Head.Kind, means, logVars, g.Constant(1, Vamp.Count, 0.0));
        }
        else kl = Mixture is null
            ? Head.KlStandardNormal(g, q)
            : g.KlGmmMonteCarlo(q.Z, q.Eps, q.Scale, Head.Kind, g.Param(Mixture.Means), g.Param(Mixture.LogVars), g.Param(Mixture.Logits));
        g.Loss("kl", kl, KlWeight);
        Regularize(g, x, q, d.Out);
        if (!g.Training) VariationalOutputs.Add(g, q, Decoder, d, x);
    }

    /// <summary>μ(u_k) and logσ²(u_k) [K, latent] of the encoder at the VampPrior's pseudo-inputs, in graph <paramref name="g"/>.</summary>
    (Node<T> Means, Node<T> LogVars) PseudoPosteriors(GraphBuilder<T> g)
    {
        var u = g.Param(Vamp!.PseudoInputs);
        var h = Encoder.Apply(g, Convolutions?.Apply(g, u) ?? u);
        return (Head.Mean.Apply(g, h), Head.Scale.Apply(g, h));
    }

    /// <summary>The VampPrior's component means and log-variances [K, latent] as the encoder gives them now (an evaluation plan of K rows).</summary>
    public (double[] Means, double[] LogVars) VampComponents()
    {
        if (Vamp is null) throw new IlgpuAeException("the model has no VampPrior (--prior vamp)");
        if (_vampPlan is null)
        {
            var g = new GraphBuilder<T>(Parameters, Vamp.Count, training: false);
            var (means, logVars) = PseudoPosteriors(g);
            g.Output("mean", means);
            g.Output("logvar", logVars);
            _vampPlan = g.Compile();
        }
        _vampPlan.Forward();
        return (_vampPlan.Read("mean").Select(v => double.CreateTruncating(v)).ToArray(),
                _vampPlan.Read("logvar").Select(v => double.CreateTruncating(v)).ToArray());
    }

    /// <summary>The β-TCVAE's parts are functions of the whole batch (every pair of codes); the plain VAE's terms are per image.</summary>
    public override string? NotRowSeparable => Options.TcBeta is null ? null
        : "the beta-TCVAE's KL parts compare every pair of codes in the batch, which a rank's share of the batch does not see";

    /// <summary>
    /// The weight of the "kl" term by step: <see cref="VaeOptions.Beta"/> times <see cref="VaeOptions.BetaSchedule"/> when one is
    /// given, else Beta. Override for a warm-up or an annealing of your own (<see cref="Schedule"/>).
    /// </summary>
    protected virtual Schedule KlWeight => BetaWeight(Options.Beta, Options.BetaSchedule);

    /// <summary>beta alone, or beta·schedule(step): how the options' two fields make the KL's weight.</summary>
    internal static Schedule BetaWeight(double beta, Schedule? schedule) =>
        schedule is null ? Schedule.Constant(beta) : beta == 1 ? schedule : Schedule.Of(step => beta * schedule.At(step));

    /// <summary>
    /// Extra terms with <c>g.Loss</c>, seeing the input <paramref name="x"/>, the posterior <paramref name="q"/> (μ, scale, ε, z)
    /// and the decoder's raw output <paramref name="reconstruction"/> (logits for Bernoulli, means for Gaussian). Empty here.
    /// </summary>
    protected virtual void Regularize(GraphBuilder<T> g, Node<T> x, PosteriorNodes<T> q, Node<T> reconstruction) { }

    /// <summary>With <see cref="OutputBias.DataMean"/>, sets the decoder's output bias from the pixel means of <paramref name="train"/>.</summary>
    public override void InitialiseFromData(Dataset train)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (Options.OutputBias == OutputBias.DataMean) Decoder.InitialiseOutputBias(Parameters, train);
        Vamp?.InitialiseFromData(Parameters, train);
    }

    /// <summary>Decoder means for latent codes z [rows, latent] (row-major), through a decode-only plan.</summary>
    public T[] Decode(T[] z, int rows)
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
        return plan.Read("mean");
    }

    /// <summary>log p(z) of the prior at each row of z [rows, latent] (host-side, for diagnostics).</summary>
    public double[] LogPrior(double[] z, int rows)
    {
        if (Vamp is not null)
        {
            var (m, l) = VampComponents();
            return PriorMath.LogMixture(z, rows, Latent, m, l, new double[Vamp.Count]);
        }
        return Mixture is null ? PriorMath.LogStandardNormal(z, rows, Latent) : Mixture.LogDensity(z, rows);
    }

    double[] IVariationalModel<T>.LogPrior(Plan<T> plan, double[] z, int rows) => LogPrior(z, rows);

    /// <summary>Feeds each image of <paramref name="batch"/> <paramref name="repeats"/> times in a row (rows·repeats rows; the plan must be that size).</summary>
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

    /// <summary>Samples of the prior, [count, latent] row-major, from Philox(seed, stream, index), drawn in double and given in T (what <see cref="Decode"/> takes).</summary>
    public T[] SamplePrior(int count, ulong seed)
    {
        double[] z;
        if (Vamp is not null)
        {
            var (m, l) = VampComponents();
            z = VampPrior<T>.Sample(m, l, Vamp.Count, Latent, count, seed);
        }
        else z = Mixture is null ? PriorMath.StandardNormalSamples(count, Latent, seed) : Mixture.Sample(count, seed);
        return z.Select(T.CreateTruncating).ToArray();
    }

    /// <summary>Frees the decode-only plans, then the training and evaluation plans and the parameters.</summary>
    public override void Dispose()
    {
        foreach (var plan in _decodePlans.Values) plan.Dispose();
        _decodePlans.Clear();
        _vampPlan?.Dispose();
        _vampPlan = null;
        base.Dispose();
    }
}
