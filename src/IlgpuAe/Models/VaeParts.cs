using System.Numerics;
using IlgpuAe.Data;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;
using IlgpuAe.Modules;
using IlgpuAe.Ops;

namespace IlgpuAe.Models;

/// <summary>
/// An MLP trunk whose first layer may also read a condition c: f(x·Wxᵀ + c·Wcᵀ + b), the same as
/// one layer on the concatenation [x, c] without a concatenation op.
/// </summary>
public sealed class ConditionedMlp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// A trunk named <paramref name="name"/> with layer sizes <paramref name="inputs"/> → <paramref name="hidden"/>…, every layer
    /// (the last included) followed by <paramref name="activation"/>. With <paramref name="conditionCols"/> &gt; 0 the first layer also gets
    /// a bias-free weight W_c [hidden[0], conditionCols] (He for the ReLU family, Xavier otherwise); 0 builds a plain MLP.
    /// </summary>
    public ConditionedMlp(ParameterStore<T> store, string name, int inputs, int conditionCols, IReadOnlyList<int> hidden, Activation activation)
    {
        Activation = activation;
        Layers = new Mlp<T>(store, name, [inputs, .. hidden], activation, activation).Layers;
        // Only a weight: the first layer's bias already serves the concatenation [x, c].
        if (conditionCols > 0)
            ConditionWeight = store.Add($"{name}.condition.weight", hidden[0], conditionCols,
                activation is Activation.Relu or Activation.LeakyRelu or Activation.Elu ? Init.He : Init.Xavier, conditionCols, hidden[0]);
    }

    /// <summary>The nonlinearity after every layer, the first layer's sum x·Wxᵀ + c·Wcᵀ + b included.</summary>
    public Activation Activation { get; }
    /// <summary>The dense layers in order; the first reads x [rows, inputs], the last writes [rows, <see cref="Outputs"/>].</summary>
    public IReadOnlyList<Linear<T>> Layers { get; }

    /// <summary>W_c of the first layer, [hidden[0], condition columns], when the trunk is conditioned.</summary>
    public Parameter<T>? ConditionWeight { get; }
    /// <summary>Width of the trunk's output: the last hidden size.</summary>
    public int Outputs => Layers[^1].Outputs;

    /// <summary>
    /// Adds the trunk to <paramref name="g"/> for x [rows, inputs] and returns h [rows, <see cref="Outputs"/>]. The condition
    /// <paramref name="c"/> [rows, conditionCols] enters the first layer only; it is ignored when the trunk has no W_c or c is null.
    /// </summary>
    public Node<T> Apply(GraphBuilder<T> g, Node<T> x, Node<T>? c = null)
    {
        Node<T> h;
        if (ConditionWeight is null || c is null) h = Layers[0].Apply(g, x);
        else
        {
            var first = Layers[0];
            h = g.Linear(x, first.Weight, first.Bias, Activation.Identity);
            h = g.Apply(g.Add(h, g.Linear(c, ConditionWeight, null, Activation.Identity)), Activation);
        }
        foreach (var layer in Layers.Skip(1)) h = layer.Apply(g, h);
        return h;
    }
}

/// <summary>What a Gaussian encoder emits for a batch: μ, the scale (logσ² or L), ε and the sample z.</summary>
public sealed record PosteriorNodes<T>(Node<T> Mean, Node<T> Scale, Node<T> Eps, Node<T> Z) where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// The Gaussian head of an encoder: μ and either logσ² (diagonal) or an unconstrained d·d block that
/// becomes a lower-triangular L with a positive diagonal (full covariance LLᵀ); then z = μ + B·ε.
/// </summary>
public sealed class GaussianHead<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Two dense heads named <paramref name="name"/>.mean and .logvar (diagonal) or .factor (full) on an <paramref name="inputs"/>-wide
    /// trunk output: μ [rows, latent] and logσ² [rows, latent] or the raw factor [rows, latent·latent].
    /// </summary>
    public GaussianHead(ParameterStore<T> store, string name, int inputs, int latent, Posterior posterior)
    {
        Latent = latent;
        Posterior = posterior;
        Mean = new Linear<T>(store, $"{name}.mean", inputs, latent);
        Scale = new Linear<T>(store, posterior == Posterior.Diag ? $"{name}.logvar" : $"{name}.factor", inputs,
            posterior == Posterior.Diag ? latent : latent * latent);
    }

    /// <summary>Dimension d of z.</summary>
    public int Latent { get; }
    /// <summary>The covariance family of q(z|x): diagonal (logσ² head) or full (lower-triangular factor head).</summary>
    public Posterior Posterior { get; }
    /// <summary>The linear layer producing μ [rows, latent].</summary>
    public Linear<T> Mean { get; }
    /// <summary>The linear layer producing logσ² [rows, latent] (diagonal) or the unconstrained factor [rows, latent·latent] (full).</summary>
    public Linear<T> Scale { get; }

    /// <summary>
    /// μ, the scale and a sample from trunk output <paramref name="h"/>: fresh ε ~ N(0, I) [rows, latent] each step, then
    /// z = μ + e^{½logσ²}·ε (diagonal) or z = μ + L·ε with L the softplus-diagonal lower-triangular factor (full).
    /// </summary>
    public PosteriorNodes<T> Apply(GraphBuilder<T> g, Node<T> h)
    {
        var mean = Mean.Apply(g, h);
        var raw = Scale.Apply(g, h);
        var eps = g.Noise(Latent);
        if (Posterior == Posterior.Diag) return new(mean, raw, eps, g.Reparameterize(mean, raw, eps));
        var l = g.TriangularFactor(raw, Latent);
        return new(mean, l, eps, g.ReparameterizeFull(mean, l, eps));
    }

    /// <summary>KL(q(z|x) || N(0, I)) in closed form, mean over the batch.</summary>
    public Node<T> KlStandardNormal(GraphBuilder<T> g, PosteriorNodes<T> q) => Posterior == Posterior.Diag
        ? g.KlStandardNormal(q.Mean, q.Scale)
        : g.KlStandardNormalFull(q.Mean, q.Scale);

    /// <summary>The same family as <see cref="Posterior"/>, in the op-level enum a Monte-Carlo KL takes.</summary>
    public PosteriorKind Kind => Posterior == Posterior.Diag ? PosteriorKind.Diagonal : PosteriorKind.Full;
}

/// <summary>
/// A decoder p(x|z[, c]): a trunk, then the logits of a Bernoulli or the mean of a Gaussian (with a
/// second head for a learned per-pixel log-variance). Adds the reconstruction term and eval outputs.
/// </summary>
public sealed class LikelihoodDecoder<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly Decoder _kind;
    readonly double? _fixedLogVar;

    /// <summary>
    /// A decoder named <paramref name="name"/>: a <see cref="ConditionedMlp{T}"/> from <paramref name="latent"/> (plus <paramref name="conditionCols"/>, 0 for none)
    /// through <paramref name="hidden"/>, then a linear layer to <paramref name="features"/> logits (Bernoulli) or means (Gaussian). A Gaussian
    /// <paramref name="kind"/> with <paramref name="fixedLogVar"/> null also gets a linear log-variance head; otherwise every pixel uses fixedLogVar.
    /// </summary>
    /// <remarks>
    /// With <paramref name="conv"/> (`--arch conv`), <paramref name="hidden"/> is ignored: the trunk is z[, c] → Dense → Channels[^1]·h·w,
    /// every layer with <paramref name="activation"/>, followed by the transposed convolutions of <see cref="ConvDecoder{T}"/>, whose last
    /// layer is <see cref="Out"/> (and a second one the log-variance head).
    /// </remarks>
    public LikelihoodDecoder(ParameterStore<T> store, string name, int latent, int conditionCols, IReadOnlyList<int> hidden,
        Activation activation, int features, Decoder kind, double? fixedLogVar, ConvOptions? conv = null)
    {
        _kind = kind;
        _fixedLogVar = fixedLogVar;
        if (conv is not null)
        {
            Trunk = new ConditionedMlp<T>(store, name, latent, conditionCols, [conv.Dense, conv.MapFeatures], activation);
            Image = new ConvDecoder<T>(store, $"{name}.conv", $"{name}.out", conv, activation);
            Out = Image.Out;
            if (kind == Decoder.Gaussian && fixedLogVar is null) LogVar = Image.Head(store, $"{name}.logvar");
            return;
        }
        Trunk = new ConditionedMlp<T>(store, name, latent, conditionCols, hidden, activation);
        Out = new Linear<T>(store, $"{name}.out", Trunk.Outputs, features);
        if (kind == Decoder.Gaussian && fixedLogVar is null)
            LogVar = new Linear<T>(store, $"{name}.logvar", Trunk.Outputs, features);
    }

    /// <summary>The hidden layers z[, c] → h.</summary>
    public ConditionedMlp<T> Trunk { get; }
    /// <summary>The transposed convolutions after the trunk (`--arch conv`); null for an MLP decoder.</summary>
    public ConvDecoder<T>? Image { get; }
    /// <summary>h → [rows, features]: Bernoulli logits or Gaussian means (a dense layer, or the last transposed convolution).</summary>
    public ILayer<T> Out { get; }
    /// <summary>h → learned logσ² [rows, features]; null for a Bernoulli decoder or a fixed variance.</summary>
    public ILayer<T>? LogVar { get; }

    /// <summary>The likelihood the decoder scores with: Bernoulli, Gaussian with learned variance, or Gaussian with a fixed one.</summary>
    public Likelihood Likelihood => _kind == Decoder.Bernoulli ? Likelihood.Bernoulli
        : LogVar is null ? Likelihood.GaussianFixed : Likelihood.Gaussian;

    /// <summary>The log-variance every pixel of a fixed-variance Gaussian decoder uses; 0 when none was given (unused unless the likelihood is GaussianFixed).</summary>
    public double FixedLogVar => _fixedLogVar ?? 0;

    /// <summary>
    /// Sets the output bias so that the decoder, before any training, predicts the mean image of <paramref name="data"/>:
    /// logit(m_j) per pixel for a Bernoulli decoder, m_j clamped to [0.001, 0.999] so that a pixel that is always 0 starts at
    /// a finite logit (−6.9); m_j for a Gaussian one. Throws <see cref="IlgpuAeException"/> when the data's feature count differs.
    /// </summary>
    public void InitialiseOutputBias(ParameterStore<T> store, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(data);
        int f = Out.Outputs;
        if (data.Features != f)
            throw new IlgpuAeException($"the data has {data.Features} features per image, the decoder outputs {f}");
        if (data.Count == 0) throw new IlgpuAeException("the output bias needs at least one training image");
        var sum = new double[f];
        var images = data.Images;
        for (int i = 0; i < data.Count; i++)
            for (int j = 0; j < f; j++) sum[j] += images[(long)i * f + j];
        var values = store.Download();
        // A convolutional output layer has one bias per channel: its start is the channel's mean over all its pixels (NCHW).
        int biases = Out.Bias.Cols, perBias = f / biases;
        if (perBias > 1)
        {
            var grouped = new double[biases];
            for (int j = 0; j < f; j++) grouped[j / perBias] += sum[j];
            for (int c = 0; c < biases; c++) grouped[c] /= perBias;
            sum = grouped;
            f = biases;
        }
        for (int j = 0; j < f; j++)
        {
            double m = sum[j] / data.Count;
            if (_kind == Decoder.Bernoulli)
            {
                m = Math.Clamp(m, 1e-3, 1 - 1e-3);
                m = Math.Log(m / (1 - m));
            }
            values[Out.Bias.Offset + j] = T.CreateTruncating(m);
        }
        store.Upload(values);
    }

    /// <summary>Decodes z and returns (logits or mean, learned logσ² or null).</summary>
    public (Node<T> Out, Node<T>? LogVar) Apply(GraphBuilder<T> g, Node<T> z, Node<T>? c = null)
    {
        var h = Trunk.Apply(g, z, c);
        if (Image is not null) h = Image.ApplyHidden(g, h);
        return (Out.Apply(g, h), LogVar?.Apply(g, h));
    }

    /// <summary>−log p(x|z), mean over the batch.</summary>
    public Node<T> Nll(GraphBuilder<T> g, (Node<T> Out, Node<T>? LogVar) d, Node<T> x) => _kind switch
    {
        Decoder.Bernoulli => g.ReconstructionLoss(d.Out, x, Reconstruction.Bce),
        _ when d.LogVar is not null => g.GaussianNll(d.Out, d.LogVar, x),
        _ => g.GaussianNll(d.Out, x, FixedLogVar),
    };

    /// <summary>−log p(x|z) per row, for importance weights.</summary>
    public Node<T> RowNll(GraphBuilder<T> g, (Node<T> Out, Node<T>? LogVar) d, Node<T> x) =>
        d.LogVar is not null ? g.RowReconstruction(Likelihood, 0, d.Out, d.LogVar, x) : g.RowReconstruction(Likelihood, FixedLogVar, d.Out, x);

    /// <summary>The decoder's mean image: σ(logits) for a Bernoulli, μ for a Gaussian.</summary>
    public Node<T> MeanImage(GraphBuilder<T> g, (Node<T> Out, Node<T>? LogVar) d) =>
        _kind == Decoder.Bernoulli ? g.Apply(d.Out, Activation.Sigmoid) : d.Out;
}
