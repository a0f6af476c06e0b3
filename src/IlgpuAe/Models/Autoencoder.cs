using System.Numerics;
using System.Text.Json;
using System.Text.Json.Serialization;
using IlgpuAe.Graph;
using IlgpuAe.Modules;
using IlgpuAe.Ops;

namespace IlgpuAe.Models;

/// <summary>Sizes and choices of a deterministic autoencoder.</summary>
public sealed record AutoencoderOptions
{
    /// <summary>Input features per image (784 for 28x28 pictures).</summary>
    public int Features { get; init; } = 784;
    /// <summary>Hidden layer widths of the encoder, input side first; the decoder mirrors them. Empty: one layer each way.</summary>
    public int[] Hidden { get; init; } = [400];
    /// <summary>Width of the code h.</summary>
    public int Code { get; init; } = 32;
    /// <summary>Activation of every hidden layer, encoder and decoder.</summary>
    public Activation Activation { get; init; } = Activation.Relu;
    /// <summary>Activation of the encoder's last layer, the code (sigmoid for KL sparsity and the exact contractive kernel).</summary>
    public Activation CodeActivation { get; init; } = Activation.Identity;
    /// <summary>Reconstruction loss: BCE on the decoder's logits, or squared error on its linear output.</summary>
    public Reconstruction Loss { get; init; } = Reconstruction.Bce;
    /// <summary>
    /// The convolutional architecture (`--arch conv`): convolutions, a dense layer, the code; the decoder mirrors it with transposed
    /// convolutions. <see cref="Hidden"/> is then unused. Null (default): the MLP.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ConvOptions? Conv { get; init; }

    /// <summary>Throws <see cref="IlgpuAeException"/> naming the property (<see cref="OptionError"/>) naming the first size that is not positive (e.g. "AutoencoderOptions.Code").</summary>
    public void Validate()
    {
        if (Features <= 0) throw OptionError.For("AutoencoderOptions.Features", $"must be positive, got {Features}");
        if (Code <= 0) throw OptionError.For("AutoencoderOptions.Code", $"(the code size) must be positive, got {Code}");
        if (Hidden is null || Hidden.Any(h => h <= 0))
            throw OptionError.For("AutoencoderOptions.Hidden", $"sizes must be positive, got [{string.Join(",", Hidden ?? [])}]");
        Conv?.Validate(Features);
    }
}

/// <summary>
/// h = f(x), r = g(h), loss L(x, r) + Ω(h, x). f and g are MLPs mirroring each other; L is
/// Bernoulli (BCE on logits) or squared error. Ω is empty here: variants override <see cref="Regularize(GraphBuilder{T}, Node{T}, Node{T}, Node{T})"/>
/// (which also sees the reconstruction) or its shorter form, and declare a <see cref="Kind"/> of their own.
/// </summary>
public class Autoencoder<T> : Model<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Declares the encoder and decoder parameters on <paramref name="device"/>, initialised from <paramref name="seed"/>; throws <see cref="IlgpuAeException"/> for invalid options.</summary>
    public Autoencoder(Device device, AutoencoderOptions options, ulong seed = 1) : base(device, seed)
    {
        options.Validate();
        Options = options;
        if (options.Conv is { } conv)
        {
            Convolutions = new ConvEncoder<T>(Parameters, "encoder.conv", conv, options.Activation);
            Encoder = new Mlp<T>(Parameters, "encoder", [Convolutions.Outputs, conv.Dense, options.Code], options.Activation, options.CodeActivation);
            Decoder = new Mlp<T>(Parameters, "decoder", [options.Code, conv.Dense, conv.MapFeatures], options.Activation, options.Activation);
            Image = new ConvDecoder<T>(Parameters, "decoder.conv", "decoder.out", conv, options.Activation);
            return;
        }
        Encoder = new Mlp<T>(Parameters, "encoder", [options.Features, .. options.Hidden, options.Code], options.Activation, options.CodeActivation);
        Decoder = new Mlp<T>(Parameters, "decoder", [options.Code, .. options.Hidden.Reverse(), options.Features], options.Activation);
    }

    /// <summary>The encoder's convolutions before <see cref="Encoder"/> (`--arch conv`); null for the MLP.</summary>
    public ConvEncoder<T>? Convolutions { get; }
    /// <summary>The decoder's transposed convolutions after <see cref="Decoder"/> (`--arch conv`); null for the MLP.</summary>
    public ConvDecoder<T>? Image { get; }

    /// <summary>The sizes and choices the model was built with.</summary>
    public AutoencoderOptions Options { get; }
    /// <summary>f: Features → Hidden… → Code (parameters "encoder.i.weight", "encoder.i.bias").</summary>
    public Mlp<T> Encoder { get; }
    /// <summary>g: Code → reversed Hidden… → Features, linear at the end (logits for BCE).</summary>
    public Mlp<T> Decoder { get; }
    /// <summary>"ae"</summary>
    public override string Kind => "ae";
    /// <see cref="AutoencoderOptions.Features"/>
    public override int Features => Options.Features;
    /// <see cref="Options"/> as snake_case JSON (<see cref="ModelJson.Options"/>).
    public override string ConfigJson() => JsonSerializer.Serialize(Options, ModelJson.Options);

    /// <summary>
    /// Input "x"; term "reconstruction" (per image, batch mean) plus the variant's terms; output "code",
    /// and in evaluation graphs "reconstruction" (probabilities for BCE).
    /// </summary>
    protected override void Build(GraphBuilder<T> g)
    {
        var x = g.Input("x", Features);
        var input = Corrupt(g, x);
        var h = Encoder.Apply(g, Convolutions?.Apply(g, input) ?? input);
        var r = Decoder.Apply(g, Bottleneck(g, h));
        if (Image is not null) r = Image.Out.Apply(g, Image.ApplyHidden(g, r));
        g.Loss("reconstruction", g.ReconstructionLoss(r, x, Options.Loss));
        Regularize(g, x, h, r);
        g.Output("code", h);
        if (!g.Training)
            g.Output("reconstruction", Options.Loss == Reconstruction.Bce ? g.Apply(r, Activation.Sigmoid) : r);
    }

    /// <summary>What the decoder reads of the code <paramref name="h"/>: h itself here; a vector-quantised variant returns its quantised code.</summary>
    protected virtual Node<T> Bottleneck(GraphBuilder<T> g, Node<T> h) => h;

    /// <summary>The encoder's input: x itself here; a denoising variant returns a corrupted copy.</summary>
    protected virtual Node<T> Corrupt(GraphBuilder<T> g, Node<T> x) => x;

    /// <summary>
    /// Ω(h, x, r): adds regularisation terms with <c>g.Loss</c>, seeing the clean input <paramref name="x"/>, the code
    /// <paramref name="h"/> and the decoder's raw output <paramref name="reconstruction"/> (logits for BCE, values for squared
    /// error). By default it calls <see cref="Regularize(GraphBuilder{T}, Node{T}, Node{T})"/>.
    /// </summary>
    protected virtual void Regularize(GraphBuilder<T> g, Node<T> x, Node<T> h, Node<T> reconstruction) => Regularize(g, x, h);

    /// <summary>Ω(h, x): adds regularisation terms with <c>g.Loss</c>. Empty for the plain autoencoder.</summary>
    protected virtual void Regularize(GraphBuilder<T> g, Node<T> x, Node<T> h) { }
}
