using System.Numerics;
using System.Text.Json;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;
using IlgpuAe.Modules;
using IlgpuAe.Ops;

namespace IlgpuAe.Models;

/// <summary>
/// A conditional VAE: q(z|x, c), p(x|z, c) Bernoulli, p(z|c) learned, fixed N(0, I) or absent (no KL).
/// c is a one-hot label or a masked copy of the image (built on the host in <see cref="Feed"/>
/// from Philox(seed, step, row), so every sample of one image in an importance estimate sees the same c).
/// </summary>
public class Cvae<T> : Model<T>, IVariationalModel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // The Philox stream of the host-side block masks: far above the streams 1, 2, ... that a graph's random ops take.
    const int MaskStream = 1 << 20;
    readonly Dictionary<int, Plan<T>> _decodePlans = [];

    /// <summary>
    /// Builds encoder and decoder conditioned on c (<see cref="CvaeOptions.ConditionCols"/> columns), a diagonal head, and for
    /// a learned prior the prior network; parameters initialised from <paramref name="seed"/>, which also places the masks.
    /// Throws <see cref="IlgpuAeException"/> when <paramref name="options"/> do not validate.
    /// </summary>
    public Cvae(Device device, CvaeOptions options, ulong seed = 1) : base(device, seed)
    {
        options.Validate();
        Options = options;
        int c = options.ConditionCols;
        int[] hidden = options.Conv is { } conv ? [conv.Dense] : options.Hidden;
        if (options.Conv is not null) Convolutions = new ConvEncoder<T>(Parameters, "encoder.conv", options.Conv, options.Activation);
        Encoder = new ConditionedMlp<T>(Parameters, "encoder", Convolutions?.Outputs ?? options.Features, c, hidden, options.Activation);
        Head = new GaussianHead<T>(Parameters, "encoder.head", Encoder.Outputs, options.Latent, Posterior.Diag);
        Decoder = new LikelihoodDecoder<T>(Parameters, "decoder", options.Latent, c, options.Hidden.Reverse().ToArray(),
            options.Activation, options.Features, Models.Decoder.Bernoulli, null, options.Conv);
        if (options.Condition == Condition.Quadrants) GivenMask = QuadrantTask.GivenMask(options.Width, options.Height, options.Given!.Value);
        if (options.Prior == ConditionalPrior.Learned)
        {
            PriorTrunk = new Mlp<T>(Parameters, "prior", [c, .. hidden], options.Activation, options.Activation);
            PriorMean = new Linear<T>(Parameters, "prior.mean", PriorTrunk.Outputs, options.Latent);
            PriorLogVar = new Linear<T>(Parameters, "prior.logvar", PriorTrunk.Outputs, options.Latent);
        }
    }

    /// <summary>The validated options the model was built from (saved in checkpoints).</summary>
    public CvaeOptions Options { get; }
    /// <summary>The encoder's convolutions before <see cref="Encoder"/> (`--arch conv`; they see x only); null for the MLP.</summary>
    public ConvEncoder<T>? Convolutions { get; }
    /// <summary>Trunk of q(z|x, c): Features → Hidden…, with c entering the first layer.</summary>
    public ConditionedMlp<T> Encoder { get; }
    /// <summary>μ and logσ² of q(z|x, c) (always diagonal) and the reparameterised z.</summary>
    public GaussianHead<T> Head { get; }
    /// <summary>p(x|z, c): Latent (+ c) → reversed Hidden… → Features Bernoulli logits.</summary>
    public LikelihoodDecoder<T> Decoder { get; }
    /// <summary>The prior network's trunk c → Hidden…; null unless the prior is <see cref="ConditionalPrior.Learned"/>.</summary>
    public Mlp<T>? PriorTrunk { get; }
    /// <summary>μ(c) [rows, latent] of the learned prior, on <see cref="PriorTrunk"/>; null unless learned.</summary>
    public Linear<T>? PriorMean { get; }
    /// <summary>logσ²(c) [rows, latent] of the learned prior, on <see cref="PriorTrunk"/>; null unless learned.</summary>
    public Linear<T>? PriorLogVar { get; }
    /// <summary>1 where a pixel is given, 0 where hidden, for <see cref="Condition.Quadrants"/>; null for the other conditions.</summary>
    public float[]? GivenMask { get; }
    /// <summary>"cvae"</summary>
    public override string Kind => "cvae";
    /// <summary><see cref="CvaeOptions.Features"/></summary>
    public override int Features => Options.Features;
    /// <summary><see cref="CvaeOptions.Latent"/></summary>
    public int Latent => Options.Latent;
    /// <summary>Always <see cref="Posterior.Diag"/>: the conditional model has no full-covariance head.</summary>
    public Posterior Posterior => Posterior.Diag;
    /// <summary><see cref="Options"/> as snake_case JSON (<see cref="ModelJson.Options"/>).</summary>
    public override string ConfigJson() => JsonSerializer.Serialize(Options, ModelJson.Options);

    /// <summary>
    /// Inputs "x" [rows, Features] and "c" [rows, ConditionCols]; terms "reconstruction" (BCE per image, nats, batch mean)
    /// and, unless the prior is None, "kl" (weight <see cref="CvaeOptions.Beta"/>, against p(z|c) or N(0, I)); in evaluation graphs
    /// the outputs of <see cref="VariationalOutputs"/> plus "prior_mean" and "prior_logvar" for a learned prior.
    /// </summary>
    protected override void Build(GraphBuilder<T> g)
    {
        var x = g.Input("x", Features);
        var c = g.Input("c", Options.ConditionCols);
        var q = Head.Apply(g, Encoder.Apply(g, Convolutions?.Apply(g, x) ?? x, c));
        var d = Decoder.Apply(g, q.Z, c);
        g.Loss("reconstruction", Options.Condition == Condition.Quadrants
            ? QuadrantTask.HiddenNll(g, d.Out, x, GivenMask!)
            : Decoder.Nll(g, d, x));
        Node<T>? priorMean = null, priorLogVar = null;
        if (PriorTrunk is not null)
        {
            var h = PriorTrunk.Apply(g, c);
            priorMean = PriorMean!.Apply(g, h);
            priorLogVar = PriorLogVar!.Apply(g, h);
            g.Loss("kl", g.KlGaussians(q.Mean, q.Scale, priorMean, priorLogVar), KlWeight);
        }
        else if (Options.Prior == ConditionalPrior.Fixed)
            g.Loss("kl", g.KlStandardNormal(q.Mean, q.Scale), KlWeight);
        if (!g.Training)
        {
            VariationalOutputs.Add(g, q, Decoder, d, x);
            if (priorMean is not null)
            {
                g.Output("prior_mean", priorMean);
                g.Output("prior_logvar", priorLogVar!);
            }
        }
    }

    /// <summary>The weight of the "kl" term by step: <see cref="CvaeOptions.Beta"/>, times <see cref="CvaeOptions.BetaSchedule"/> when one is given.</summary>
    protected virtual Schedule KlWeight => Vae<T>.BetaWeight(Options.Beta, Options.BetaSchedule);

    /// <summary>Copies the images into "x" and their <see cref="Conditions"/> for the plan's step into "c"; throws <see cref="IlgpuAeException"/> on a wrong feature count or a label outside the classes.</summary>
    public override void Feed(Plan<T> plan, Batch batch)
    {
        base.Feed(plan, batch);
        plan.SetInput(plan.Input("c"), BuildConditions(batch, plan.Step, null, reuse: true, plan.RowOffset));
    }

    /// <summary>
    /// Feeds each image of <paramref name="batch"/> and its condition <paramref name="repeats"/> times in a row (rows·repeats rows);
    /// the conditions are made once per image, so every copy sees the same mask.
    /// </summary>
    public void FeedRepeated(Plan<T> plan, Batch batch, int repeats)
    {
        var c = BuildConditions(batch, plan.Step, null, reuse: false);
        var repeated = Vae<T>.Repeat(batch, repeats);
        base.Feed(plan, repeated);
        var rc = Vae<T>.Repeat(new Batch(c, batch.Labels, batch.Rows), repeats);
        plan.SetInput(plan.Input("c"), rc.Images);
    }

    /// <summary>
    /// The condition of each row: a one-hot label, or the image with a block×block square zeroed,
    /// placed as <see cref="CorruptionKernels.BlockMask{T}"/> places it for (seed, stream(step), row).
    /// <paramref name="observed"/> is 1 where a pixel is visible, 0 where it is hidden (all 1 for labels).
    /// </summary>
    public float[] Conditions(Batch batch, ulong step, out float[] observed)
    {
        observed = new float[batch.Rows * Features];
        return BuildConditions(batch, step, observed, reuse: false);
    }

    // Training feeds reuse one buffer (SetInput copies it to the device at once) and skip the observed mask.
    float[] _conditionBuffer = [];

    float[] BuildConditions(Batch batch, ulong step, float[]? observed, bool reuse, ulong firstRow = 0)
    {
        int rows = batch.Rows;
        int length = rows * Options.ConditionCols;
        float[] c;
        if (!reuse) c = new float[length];
        else
        {
            if (_conditionBuffer.Length != length) _conditionBuffer = new float[length];
            c = _conditionBuffer;
        }
        if (observed is not null) Array.Fill(observed, 1f);
        if (Options.Condition == Condition.Label)
        {
            Array.Clear(c);
            for (int r = 0; r < rows; r++)
            {
                if (batch.Labels[r] >= Options.Classes)
                    throw new IlgpuAeException($"label {batch.Labels[r]} is not below the {Options.Classes} classes of this cvae");
                c[r * Options.Classes + batch.Labels[r]] = 1;
            }
            return c;
        }
        if (Options.Condition == Condition.Quadrants)
        {
            QuadrantTask.Conditions(batch.Images, rows, GivenMask!, c);
            if (observed is not null)
                for (int r = 0; r < rows; r++) GivenMask!.CopyTo(observed, r * Features);
            return c;
        }
        int w = Options.Width, h = Options.Height, b = Options.Block;
        Array.Copy(batch.Images, c, length);
        ulong stream = BlockMaskOp<T>.Stream(MaskStream, step);
        for (int r = 0; r < rows; r++)
        {
            var bits = Philox.Generate(Seed, stream, firstRow + (ulong)r);
            int top = (int)(bits.X0 % (uint)(h - b + 1)), left = (int)(bits.X1 % (uint)(w - b + 1));
            for (int y = top; y < top + b; y++)
                for (int x = left; x < left + b; x++)
                {
                    c[r * Features + y * w + x] = 0;
                    if (observed is not null) observed[r * Features + y * w + x] = 0;
                }
        }
        return c;
    }

    /// <summary>Decoder means for codes z [rows, latent] under conditions c [rows, condition columns].</summary>
    public T[] Decode(T[] z, float[] c, int rows)
    {
        if (z.Length != rows * Latent || c.Length != rows * Options.ConditionCols)
            throw new IlgpuAeException($"decode expects {rows}x{Latent} codes and {rows}x{Options.ConditionCols} conditions");
        if (!_decodePlans.TryGetValue(rows, out var plan))
        {
            var g = new GraphBuilder<T>(Parameters, rows, training: false);
            var zi = g.Input("z", Latent);
            var ci = g.Input("c", Options.ConditionCols);
            g.Output("mean", Decoder.MeanImage(g, Decoder.Apply(g, zi, ci)));
            plan = g.Compile();
            _decodePlans[rows] = plan;
        }
        plan.SetInput(plan.Input("z"), z);
        plan.SetInput(plan.Input("c"), c);
        plan.Forward();
        return plan.Read("mean");
    }

    /// <summary>log p(z|c) per row; the evaluation plan that produced z holds the learned prior's parameters.</summary>
    public double[] LogPrior(Plan<T> plan, double[] z, int rows)
    {
        if (PriorTrunk is null) return PriorMath.LogStandardNormal(z, rows, Latent);
        var m = plan.Read("prior_mean");
        var lv = plan.Read("prior_logvar");
        var result = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double acc = 0;
            for (int j = 0; j < Latent; j++)
            {
                int i = r * Latent + j;
                double diff = z[i] - double.CreateTruncating(m[i]), l = double.CreateTruncating(lv[i]);
                acc += diff * diff * Math.Exp(-l) + l + PriorMath.Log2Pi;
            }
            result[r] = -0.5 * acc;
        }
        return result;
    }

    /// <summary>
    /// <paramref name="perRow"/> codes from p(z|c) for each condition of <paramref name="batch"/> (conditions of step 0),
    /// [rows·perRow, latent]: μ(c) + σ(c)·ε for the learned prior; ε ~ N(0, I) for the fixed prior and for none.
    /// </summary>
    public T[] SamplePrior(Batch batch, int perRow, ulong seed)
    {
        int d = Latent, rows = batch.Rows;
        var eps = PriorMath.StandardNormalSamples(rows * perRow, d, seed);
        if (PriorTrunk is null) return eps.Select(T.CreateTruncating).ToArray();
        var plan = OutputPlan(rows);
        plan.Step = 0;
        plan.ScheduleStep = TrainingStep;
        Feed(plan, batch);
        plan.Forward();
        var m = plan.Read("prior_mean");
        var lv = plan.Read("prior_logvar");
        var z = new T[eps.Length];
        for (int i = 0; i < z.Length; i++)
        {
            int k = i / (perRow * d) * d + i % d;
            z[i] = T.CreateTruncating(double.CreateTruncating(m[k]) + Math.Exp(0.5 * double.CreateTruncating(lv[k])) * eps[i]);
        }
        return z;
    }

    /// <summary>Frees the decode-only plans, then the training and evaluation plans and the parameters.</summary>
    public override void Dispose()
    {
        foreach (var plan in _decodePlans.Values) plan.Dispose();
        _decodePlans.Clear();
        base.Dispose();
    }
}
