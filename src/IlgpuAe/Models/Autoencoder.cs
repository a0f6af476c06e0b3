using System.Numerics;
using System.Text.Json;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;
using IlgpuAe.Modules;
using IlgpuAe.Ops;

namespace IlgpuAe.Models;

/// <summary>Sizes and choices of a deterministic autoencoder.</summary>
public sealed record AutoencoderOptions
{
    public int Features { get; init; } = 784;
    public int[] Hidden { get; init; } = [400];
    public int Code { get; init; } = 32;
    public Activation Activation { get; init; } = Activation.Relu;
    public Activation CodeActivation { get; init; } = Activation.Identity;
    public Reconstruction Loss { get; init; } = Reconstruction.Bce;

    public void Validate()
    {
        if (Features <= 0) throw new IlgpuAeException($"features must be positive, got {Features}");
        if (Code <= 0) throw new IlgpuAeException($"the code size must be positive, got {Code}");
        if (Hidden.Any(h => h <= 0)) throw new IlgpuAeException($"hidden sizes must be positive, got [{string.Join(",", Hidden)}]");
    }
}

/// <summary>
/// h = f(x), r = g(h), loss L(x, r) + Ω(h, x). f and g are MLPs mirroring each other; L is
/// Bernoulli (BCE on logits) or squared error. Ω is empty here: variants override <see cref="Regularize"/>.
/// </summary>
public class Autoencoder<T> : Model<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public Autoencoder(Device device, AutoencoderOptions options, ulong seed = 1) : base(device, seed)
    {
        options.Validate();
        Options = options;
        Encoder = new Mlp<T>(Parameters, "encoder", [options.Features, .. options.Hidden, options.Code], options.Activation, options.CodeActivation);
        Decoder = new Mlp<T>(Parameters, "decoder", [options.Code, .. options.Hidden.Reverse(), options.Features], options.Activation);
    }

    public AutoencoderOptions Options { get; }
    public Mlp<T> Encoder { get; }
    public Mlp<T> Decoder { get; }
    public override string Kind => "ae";
    public override int Features => Options.Features;
    public override string ConfigJson() => JsonSerializer.Serialize(Options, ModelJson.Options);

    protected override void Build(GraphBuilder<T> g)
    {
        var x = g.Input("x", Features);
        var input = Corrupt(g, x);
        var h = Encoder.Apply(g, input);
        var r = Decoder.Apply(g, h);
        g.Loss("reconstruction", g.ReconstructionLoss(r, x, Options.Loss));
        Regularize(g, x, h);
        g.Output("code", h);
        if (!g.Training)
            g.Output("reconstruction", Options.Loss == Reconstruction.Bce ? g.Apply(r, Activation.Sigmoid) : r);
    }

    /// <summary>The encoder's input: x itself here; a denoising variant returns a corrupted copy.</summary>
    protected virtual Node<T> Corrupt(GraphBuilder<T> g, Node<T> x) => x;

    /// <summary>Ω(h, x): adds regularisation terms with <c>g.Loss</c>. Empty for the plain autoencoder.</summary>
    protected virtual void Regularize(GraphBuilder<T> g, Node<T> x, Node<T> h) { }
}
