using System.Numerics;
using System.Text.Json;
using IlgpuAe.Graph;
using IlgpuAe.Ops;

namespace IlgpuAe.Models;

/// <summary>An autoencoder's sizes plus the corruption its encoder sees.</summary>
public sealed record DenoisingOptions
{
    /// <summary>The sizes of the underlying autoencoder.</summary>
    public AutoencoderOptions Autoencoder { get; init; } = new();
    /// <summary>The corruption C(x~|x); Gaussian with σ = 0.3 by default.</summary>
    public Corruption Noise { get; init; } = new(NoiseKind.Gaussian, 0.3);
}

/// <summary>
/// Denoising autoencoder: minimises L(x, g(f(x~))) with x~ ~ C(x~|x) drawn each step inside the
/// graph, the loss taken against the clean x. Evaluation corrupts too (step 0, so always the same
/// x~): its test loss is the denoising loss. The evaluation graph also outputs "corrupted".
/// </summary>
public class DenoisingAutoencoder<T> : Autoencoder<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A denoising autoencoder on <paramref name="device"/>; throws <see cref="IlgpuAeException"/> for invalid options.</summary>
    public DenoisingAutoencoder(Device device, DenoisingOptions options, ulong seed = 1)
        : base(device, Checked(options).Autoencoder, seed) => Denoising = options;

    /// <summary>The options the model was built with.</summary>
    public DenoisingOptions Denoising { get; }
    /// <summary>"dae"</summary>
    public override string Kind => "dae";
    /// <see cref="Denoising"/> as snake_case JSON.
    public override string ConfigJson() => JsonSerializer.Serialize(Denoising, ModelJson.Options);

    /// <summary>x~ = C(x), drawn in the graph per step; evaluation graphs also output it as "corrupted".</summary>
    protected override Node<T> Corrupt(GraphBuilder<T> g, Node<T> x)
    {
        var corrupted = g.Corrupt(x, Denoising.Noise);
        if (!g.Training) g.Output("corrupted", corrupted);
        return corrupted;
    }

    static DenoisingOptions Checked(DenoisingOptions options)
    {
        options.Noise.Validate();
        return options;
    }
}
