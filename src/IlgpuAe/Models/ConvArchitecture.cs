using System.Numerics;
using System.Text.Json.Serialization;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;
using IlgpuAe.Modules;

namespace IlgpuAe.Models;

/// <summary>
/// The convolutional architecture of `--arch conv` (a model's options hold null for the MLP). Encoder: Conv2d(C → Channels[0],
/// K, S, P) + f → … → Conv2d(→ Channels[^1]) + f → flatten → Linear(→ Dense) + f → the model's heads. Decoder: Linear(→ Dense) + f →
/// Linear(Dense → Channels[^1]·h·w) + f → ConvTranspose2d(Channels[^1] → …) + f → … → ConvTranspose2d(Channels[0] → C), logits or
/// means. The defaults are the common reference architecture (32, 64 channels, kernel 4, stride 2, padding 1, dense 256), so a
/// 28×28 image goes 14×14, 7×7 and back.
/// </summary>
public sealed record ConvOptions
{
    /// <summary>Channels of the encoder's convolutions, input side first; the decoder's transposed convolutions mirror them. Default 32, 64.</summary>
    public int[] Channels { get; init; } = [32, 64];
    /// <summary>Kernel size K (K×K) of every (transposed) convolution. Default 4.</summary>
    public int Kernel { get; init; } = 4;
    /// <summary>Stride of every (transposed) convolution. Default 2.</summary>
    public int Stride { get; init; } = 2;
    /// <summary>Zero padding of every (transposed) convolution. Default 1.</summary>
    public int Padding { get; init; } = 1;
    /// <summary>Width of the dense layer between the convolutions and the code, both ways. Default 256.</summary>
    public int Dense { get; init; } = 256;
    /// <summary>Channels of the image (1 grayscale, 3 RGB). Default 1.</summary>
    public int ImageChannels { get; init; } = 1;
    /// <summary>Image height in pixels. Default 28.</summary>
    public int Height { get; init; } = 28;
    /// <summary>Image width in pixels. Default 28.</summary>
    public int Width { get; init; } = 28;
    /// <summary>
    /// Normalisation after every convolution and every transposed convolution but the decoder's last, before the activation
    /// (as PyTorch-VAE places nn.BatchNorm2d): none (default), BatchNorm2d or GroupNorm(<see cref="Groups"/>).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public Normalization Norm { get; init; }
    /// <summary>GroupNorm's channel groups, which must divide every entry of <see cref="Channels"/>; null: <see cref="DefaultGroups"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Groups { get; init; }

    /// <summary>GroupNorm's groups when <see cref="Groups"/> is not given.</summary>
    public const int DefaultGroups = 8;

    /// <summary>(height, width) after each encoder convolution, input first.</summary>
    [JsonIgnore]
    public IReadOnlyList<(int H, int W)> Sizes
    {
        get
        {
            var sizes = new List<(int, int)> { (Height, Width) };
            int h = Height, w = Width;
            foreach (var _ in Channels)
            {
                h = (h + 2 * Padding - Kernel) / Stride + 1;
                w = (w + 2 * Padding - Kernel) / Stride + 1;
                sizes.Add((h, w));
            }
            return sizes;
        }
    }

    /// <summary>Features of the encoder's last map (and of the decoder's first), Channels[^1]·h·w.</summary>
    [JsonIgnore]
    public int MapFeatures => Channels[^1] * Sizes[^1].H * Sizes[^1].W;

    /// <summary>
    /// Throws <see cref="IlgpuAeException"/> naming the property (<see cref="OptionError"/>) when a size is not positive, the image is not
    /// <paramref name="features"/> values, or the transposed convolutions would not bring the encoder's last map back to the image size.
    /// </summary>
    public void Validate(int features)
    {
        if (Channels.Length == 0 || Channels.Any(c => c <= 0))
            throw OptionError.Worded("ConvOptions.Channels", $"ConvOptions.Channels needs at least one positive channel count, got [{string.Join(",", Channels)}]");
        if (Kernel <= 0 || Stride <= 0 || Padding < 0)
            throw OptionError.Worded("ConvOptions.Kernel", $"ConvOptions.Kernel must be at least 1 (stride {Stride} and padding {Padding} are fixed), got {Kernel}");
        if (Dense <= 0) throw OptionError.Worded("ConvOptions.Dense", $"ConvOptions.Dense must be positive, got {Dense}");
        if (!Enum.IsDefined(Norm)) throw OptionError.Worded("ConvOptions.Norm", $"ConvOptions.Norm {(int)Norm} is not none, batch or group");
        if (Groups is not null && Norm != Normalization.Group)
            throw OptionError.Worded("ConvOptions.Groups", "ConvOptions.Groups applies only to group normalisation");
        if (Norm == Normalization.Group && (Groups ?? DefaultGroups) is var groups && (groups <= 0 || Channels.Any(c => c % groups != 0)))
            throw OptionError.Worded("ConvOptions.Groups", $"ConvOptions.Groups ({groups}) must divide every channel count of [{string.Join(",", Channels)}]");
        if (ImageChannels <= 0 || Height <= 0 || Width <= 0)
            throw new IlgpuAeException($"a convolutional architecture needs a positive image size, got {ImageChannels}x{Height}x{Width}");
        if ((long)ImageChannels * Height * Width != features)
            throw new IlgpuAeException($"the convolutional architecture: an image of {ImageChannels}x{Height}x{Width} is {ImageChannels * Height * Width} values, the data has {features} per row");
        var sizes = Sizes;
        for (int i = 1; i < sizes.Count; i++)
        {
            var (h, w) = sizes[i];
            var (h0, w0) = sizes[i - 1];
            if (h <= 0 || w <= 0)
                throw new IlgpuAeException($"the convolutional architecture: convolution {i} (kernel {Kernel}, stride {Stride}, padding {Padding}) has no output for a {h0}x{w0} map");
            int backH = (h - 1) * Stride - 2 * Padding + Kernel, backW = (w - 1) * Stride - 2 * Padding + Kernel;
            if (backH != h0 || backW != w0)
                throw new IlgpuAeException($"the convolutional architecture: convolution {i} takes {h0}x{w0} to {h}x{w}, but the decoder's transposed convolution gives " +
                    $"{backH}x{backW} back (kernel {Kernel}, stride {Stride}, padding {Padding}); use an image size divisible by {1 << Channels.Length} with --kernel 4");
        }
    }
}

/// <summary>The encoder's convolutions: Conv2d + f per entry of <see cref="ConvOptions.Channels"/>, output flattened [rows, C·h·w] (no copy).</summary>
public sealed class ConvEncoder<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Declares "<paramref name="name"/>.i.weight" and ".bias" for each convolution; the options must validate.</summary>
    public ConvEncoder(ParameterStore<T> store, string name, ConvOptions o, Activation activation)
    {
        var sizes = o.Sizes;
        _activation = activation;
        // With a normalisation the activation follows it, so the convolution's epilogue applies none.
        var fused = o.Norm == Normalization.None ? activation : Activation.Identity;
        Layers = o.Channels.Select((c, i) => new Conv2d<T>(store, $"{name}.{i}", i == 0 ? o.ImageChannels : o.Channels[i - 1],
            sizes[i].H, sizes[i].W, c, o.Kernel, o.Stride, o.Padding, fused)).ToArray();
        Norms = o.Norm == Normalization.None ? [] : o.Channels.Select((c, i) => new Norm2d<T>(store, $"{name}.{i}.norm", o.Norm, c,
            sizes[i + 1].H * sizes[i + 1].W, o.Groups ?? ConvOptions.DefaultGroups)).ToArray();
    }

    readonly Activation _activation;

    /// <summary>The convolutions, image side first.</summary>
    public IReadOnlyList<Conv2d<T>> Layers { get; }
    /// <summary>The normalisation after each convolution (empty without <see cref="ConvOptions.Norm"/>).</summary>
    public IReadOnlyList<Norm2d<T>> Norms { get; }
    /// <summary>Features of the flattened last map, Channels[^1]·h·w.</summary>
    public int Outputs => Layers[^1].Outputs;

    /// <summary>Every convolution in order on images x [rows, C·H·W], each followed by its normalisation and the activation.</summary>
    public Node<T> Apply(GraphBuilder<T> g, Node<T> x)
    {
        for (int i = 0; i < Layers.Count; i++)
        {
            x = Layers[i].Apply(g, x);
            if (Norms.Count > 0) x = g.Apply(Norms[i].Apply(g, x), _activation);
        }
        return x;
    }
}

/// <summary>
/// The decoder's transposed convolutions, from a dense output [rows, Channels[^1]·h·w] read as a map: every one but the last
/// with f (<see cref="Layers"/>), the last to the image's channels with none (<see cref="Out"/>, logits or means).
/// </summary>
public sealed class ConvDecoder<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly ConvOptions _o;

    /// <summary>Declares "<paramref name="name"/>.i" for the hidden transposed convolutions and "<paramref name="outName"/>" for the last.</summary>
    public ConvDecoder(ParameterStore<T> store, string name, string outName, ConvOptions o, Activation activation)
    {
        _o = o;
        _activation = activation;
        var sizes = o.Sizes;
        int n = o.Channels.Length;
        var fused = o.Norm == Normalization.None ? activation : Activation.Identity;
        // Transposed layer j maps Channels[n-1-j] at sizes[n-j] to Channels[n-2-j] at sizes[n-1-j].
        Layers = Enumerable.Range(0, n - 1).Select(j => new ConvTranspose2d<T>(store, $"{name}.{j}", o.Channels[n - 1 - j],
            sizes[n - j].H, sizes[n - j].W, o.Channels[n - 2 - j], o.Kernel, o.Stride, o.Padding, fused)).ToArray();
        Norms = o.Norm == Normalization.None ? [] : Enumerable.Range(0, n - 1).Select(j => new Norm2d<T>(store, $"{name}.{j}.norm", o.Norm,
            o.Channels[n - 2 - j], sizes[n - 1 - j].H * sizes[n - 1 - j].W, o.Groups ?? ConvOptions.DefaultGroups)).ToArray();
        Out = Head(store, outName);
    }

    readonly Activation _activation;

    /// <summary>The hidden transposed convolutions, map side first.</summary>
    public IReadOnlyList<ConvTranspose2d<T>> Layers { get; }
    /// <summary>The normalisation after each hidden transposed convolution (empty without <see cref="ConvOptions.Norm"/>); the last layer, <see cref="Out"/>, has none.</summary>
    public IReadOnlyList<Norm2d<T>> Norms { get; }
    /// <summary>The last transposed convolution, to the image's channels, without an activation.</summary>
    public ConvTranspose2d<T> Out { get; }
    /// <summary>Features of the map the dense part must produce, Channels[^1]·h·w.</summary>
    public int Inputs => _o.MapFeatures;

    /// <summary>Another layer shaped like <see cref="Out"/> (a learned log-variance head, say), reading the last hidden map.</summary>
    public ConvTranspose2d<T> Head(ParameterStore<T> store, string name)
    {
        var sizes = _o.Sizes;
        return new ConvTranspose2d<T>(store, name, _o.Channels[0], sizes[1].H, sizes[1].W, _o.ImageChannels, _o.Kernel, _o.Stride, _o.Padding);
    }

    /// <summary>The hidden transposed convolutions on x [rows, <see cref="Inputs"/>]: the map <see cref="Out"/> reads.</summary>
    public Node<T> ApplyHidden(GraphBuilder<T> g, Node<T> x)
    {
        for (int j = 0; j < Layers.Count; j++)
        {
            x = Layers[j].Apply(g, x);
            if (Norms.Count > 0) x = g.Apply(Norms[j].Apply(g, x), _activation);
        }
        return x;
    }
}
