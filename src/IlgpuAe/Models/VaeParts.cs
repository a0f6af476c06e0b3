using System.Numerics;
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
    public ConditionedMlp(ParameterStore<T> store, string name, int inputs, int conditionCols, IReadOnlyList<int> hidden, Activation activation)
    {
        Activation = activation;
        Layers = new Mlp<T>(store, name, [inputs, .. hidden], activation, activation).Layers;
        // Only a weight: the first layer's bias already serves the concatenation [x, c].
        if (conditionCols > 0)
            ConditionWeight = store.Add($"{name}.condition.weight", hidden[0], conditionCols,
                activation is Activation.Relu or Activation.LeakyRelu or Activation.Elu ? Init.He : Init.Xavier, conditionCols, hidden[0]);
    }

    public Activation Activation { get; }
    public IReadOnlyList<Linear<T>> Layers { get; }

    /// <summary>W_c of the first layer, [hidden[0], condition columns], when the trunk is conditioned.</summary>
    public Parameter<T>? ConditionWeight { get; }
    public int Outputs => Layers[^1].Outputs;

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
    public GaussianHead(ParameterStore<T> store, string name, int inputs, int latent, Posterior posterior)
    {
        Latent = latent;
        Posterior = posterior;
        Mean = new Linear<T>(store, $"{name}.mean", inputs, latent);
        Scale = new Linear<T>(store, posterior == Posterior.Diag ? $"{name}.logvar" : $"{name}.factor", inputs,
            posterior == Posterior.Diag ? latent : latent * latent);
    }

    public int Latent { get; }
    public Posterior Posterior { get; }
    public Linear<T> Mean { get; }
    public Linear<T> Scale { get; }

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

    public LikelihoodDecoder(ParameterStore<T> store, string name, int latent, int conditionCols, IReadOnlyList<int> hidden,
        Activation activation, int features, Decoder kind, double? fixedLogVar)
    {
        _kind = kind;
        _fixedLogVar = fixedLogVar;
        Trunk = new ConditionedMlp<T>(store, name, latent, conditionCols, hidden, activation);
        Out = new Linear<T>(store, $"{name}.out", Trunk.Outputs, features);
        if (kind == Decoder.Gaussian && fixedLogVar is null)
            LogVar = new Linear<T>(store, $"{name}.logvar", Trunk.Outputs, features);
    }

    public ConditionedMlp<T> Trunk { get; }
    public Linear<T> Out { get; }
    public Linear<T>? LogVar { get; }

    public Likelihood Likelihood => _kind == Decoder.Bernoulli ? Likelihood.Bernoulli
        : LogVar is null ? Likelihood.GaussianFixed : Likelihood.Gaussian;

    public double FixedLogVar => _fixedLogVar ?? 0;

    /// <summary>Decodes z and returns (logits or mean, learned logσ² or null).</summary>
    public (Node<T> Out, Node<T>? LogVar) Apply(GraphBuilder<T> g, Node<T> z, Node<T>? c = null)
    {
        var h = Trunk.Apply(g, z, c);
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
