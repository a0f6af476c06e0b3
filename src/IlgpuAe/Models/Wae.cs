using System.Numerics;
using System.Text.Json;
using IlgpuAe.Graph;
using IlgpuAe.Ops;

namespace IlgpuAe.Models;

/// <summary>An autoencoder's sizes plus the MMD penalty that makes it a Wasserstein autoencoder.</summary>
public sealed record WaeOptions
{
    /// <summary>The sizes and reconstruction loss; the code is the latent z (linear, the default code activation). Default: the ae's with a 20-wide code.</summary>
    public AutoencoderOptions Autoencoder { get; init; } = new() { Code = 20 };
    /// <summary>The MMD kernel: inverse multiquadratic (default, the paper's) or RBF.</summary>
    public MmdKernel Kernel { get; init; } = MmdKernel.Imq;
    /// <summary>λ, the weight of the "mmd" term, finite and at least 0. Default 10 (the paper's MNIST setting).</summary>
    public double Lambda { get; init; } = 10;
    /// <summary>The kernel scale C divided by the code width: C = Scale·d (the paper's 2·d·σ² for the N(0, I) prior). Positive; default 2.</summary>
    public double Scale { get; init; } = 2;

    /// <summary>Throws <see cref="IlgpuAeException"/> naming the property (<see cref="OptionError"/>) for invalid sizes, a negative or non-finite λ, or a non-positive scale.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Autoencoder);
        Autoencoder.Validate();
        if (!(double.IsFinite(Lambda) && Lambda >= 0)) throw OptionError.For("WaeOptions.Lambda", $"must be a finite number of at least 0, got {Lambda}");
        if (!(double.IsFinite(Scale) && Scale > 0)) throw OptionError.For("WaeOptions.Scale", $"must be a positive finite number, got {Scale}");
        if (!Enum.IsDefined(Kernel)) throw OptionError.For("WaeOptions.Kernel", $"must be imq or rbf, got {Kernel}");
    }
}

/// <summary>
/// The Wasserstein autoencoder with an MMD penalty (WAE-MMD, Tolstikhin et al. 2018): a deterministic encoder z = f(x), the
/// reconstruction loss L(x, g(z)) per image, and λ·MMD²(q(z), p(z)) between the batch's codes and as many draws of
/// p(z) = N(0, I) (new each step), term "mmd". Samples are decoded prior draws, as for a VAE.
/// </summary>
public sealed class Wae<T> : Autoencoder<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A WAE on <paramref name="device"/>; throws <see cref="IlgpuAeException"/> for invalid options.</summary>
    public Wae(Device device, WaeOptions options, ulong seed = 1) : base(device, Checked(options).Autoencoder, seed) => Wasserstein = options;

    static WaeOptions Checked(WaeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }

    /// <summary>The options the model was built with.</summary>
    public WaeOptions Wasserstein { get; }
    /// <summary>"wae"</summary>
    public override string Kind => "wae";
    /// <see cref="Wasserstein"/> as snake_case JSON.
    public override string ConfigJson() => JsonSerializer.Serialize(Wasserstein, ModelJson.Options);

    /// <summary>MMD² is a function of the whole batch's codes (every pair), not a mean over rows.</summary>
    public override string? NotRowSeparable => "the MMD penalty compares every pair of codes in the batch, which a rank's share of the batch does not see";

    /// <summary>Adds λ·MMD²(codes, N(0, I) draws) as "mmd".</summary>
    protected override void Regularize(GraphBuilder<T> g, Node<T> x, Node<T> h) =>
        g.Loss("mmd", g.Mmd(h, g.Noise(h.Cols, h.Rows), Wasserstein.Kernel, Wasserstein.Scale * h.Cols), Wasserstein.Lambda);
}
