using System.Numerics;
using System.Text.Json;
using IlgpuAe.Graph;

namespace IlgpuAe.Models;

/// <summary>Which sparsity penalty a sparse autoencoder pays.</summary>
public enum Sparsity
{
    /// <summary>λ·Σ_j |h_j| per image: a Laplace prior on the code.</summary>
    L1,
    /// <summary>λ·Σ_j KL(ρ ‖ ρ̂_j) over the batch: each sigmoid unit's mean activation pulled to ρ.</summary>
    Kl,
}

/// <summary>An autoencoder's sizes plus its sparsity penalty.</summary>
public sealed record SparseOptions
{
    /// <summary>The sizes; ReLU codes by default (KL sparsity needs sigmoid codes).</summary>
    public AutoencoderOptions Autoencoder { get; init; } = new() { CodeActivation = Activation.Relu };
    /// <summary>Which penalty: L1 on the codes or KL of the mean activations.</summary>
    public Sparsity Sparsity { get; init; } = Sparsity.L1;
    /// <summary>λ, the weight of the "sparsity" term (zero or positive).</summary>
    public double Lambda { get; init; } = 1e-2;
    /// <summary>ρ, the target mean activation of each unit under KL sparsity, in (0, 1).</summary>
    public double Rho { get; init; } = 0.05;

    /// <summary>Throws <see cref="IlgpuAeException"/> naming the property (<see cref="OptionError"/>) for invalid sizes, a negative λ, or KL sparsity without ρ in (0, 1) and sigmoid codes.</summary>
    public void Validate()
    {
        Autoencoder.Validate();
        if (!(double.IsFinite(Lambda) && Lambda >= 0))
            throw OptionError.Worded("SparseOptions.Lambda", $"SparseOptions.Lambda: the sparsity weight lambda must be zero or positive, got {Lambda}");
        if (Sparsity == Sparsity.Kl)
        {
            if (!(Rho > 0 && Rho < 1)) throw OptionError.Worded("SparseOptions.Rho", $"SparseOptions.Rho: the KL sparsity target rho must be in (0, 1), got {Rho}");
            if (Autoencoder.CodeActivation != Activation.Sigmoid)
                throw OptionError.For("AutoencoderOptions.CodeActivation", $"must be sigmoid for KL sparsity (mean activations in (0, 1)), got {Autoencoder.CodeActivation}");
        }
    }
}

/// <summary>
/// Sparse autoencoder: L(x, g(f(x))) + λ·Ω(h), Ω the L1 or KL sparsity penalty (term "sparsity").
/// Two more terms of weight 0 are statistics, reported every epoch and never optimised:
/// "code_mean_abs" (mean |h|) and "code_below_1e-3" (the fraction of code units with |h| &lt; 1e-3).
/// They are terms rather than a model hook because the plan already sums, averages and reports
/// every named term per epoch, on the training batches and on the test set.
/// </summary>
public class SparseAutoencoder<T> : Autoencoder<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>|h| below this counts as an inactive unit in the "code_below_1e-3" statistic.</summary>
    public const double OffThreshold = 1e-3;

    /// <summary>A sparse autoencoder on <paramref name="device"/>; throws <see cref="IlgpuAeException"/> for invalid options.</summary>
    public SparseAutoencoder(Device device, SparseOptions options, ulong seed = 1)
        : base(device, Checked(options).Autoencoder, seed) => Sparse = options;

    /// <summary>The options the model was built with.</summary>
    public SparseOptions Sparse { get; }
    /// <summary>"sparse"</summary>
    public override string Kind => "sparse";
    /// <see cref="Sparse"/> as snake_case JSON.
    public override string ConfigJson() => JsonSerializer.Serialize(Sparse, ModelJson.Options);

    /// <summary>KL sparsity: the penalty is a function of the whole batch's mean activations, not a mean over rows.</summary>
    public override string? NotRowSeparable => Sparse.Sparsity == Sparsity.Kl
        ? "KL sparsity is a function of the whole batch's mean activations, which a rank's share of the batch does not see (L1 sparsity is per image)"
        : base.NotRowSeparable;

    /// <summary>Adds the weighted "sparsity" term and the two weight-0 statistics of the code.</summary>
    protected override void Regularize(GraphBuilder<T> g, Node<T> x, Node<T> h)
    {
        var penalty = Sparse.Sparsity == Sparsity.L1 ? g.L1Penalty(h) : g.KlSparsity(h, Sparse.Rho);
        g.Loss("sparsity", penalty, Sparse.Lambda);
        g.Loss("code_mean_abs", g.MeanAbs(h), 0);
        g.Loss("code_below_1e-3", g.FractionBelow(h, OffThreshold), 0);
    }

    static SparseOptions Checked(SparseOptions options)
    {
        options.Validate();
        return options;
    }
}
