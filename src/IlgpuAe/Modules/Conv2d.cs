using System.Numerics;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Modules;

/// <summary>
/// y = f(conv2d(x, W) + b), NCHW, square kernel, one stride and padding: nn.Conv2d(C, O, K, S, P). W [O, C·K·K] (nn.Conv2d's
/// [O, C, K, K] flattened), b [1, O]. With the store's <see cref="InitScheme.PyTorch"/>, weights and biases U(±1/√fan_in),
/// fan_in = C·K·K, as nn.Conv2d starts; otherwise He (ReLU family) or Xavier with fan_in = C·K·K, fan_out = O·K·K, biases zero.
/// </summary>
public sealed class Conv2d<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Declares "<paramref name="name"/>.weight" and ".bias" for images of <paramref name="channels"/>×<paramref name="height"/>×<paramref name="width"/>;
    /// <see cref="IlgpuAeException"/> when a size is not positive or the kernel does not fit the padded image.
    /// </summary>
    public Conv2d(ParameterStore<T> store, string name, int channels, int height, int width, int filters, int kernel, int stride, int padding,
        Activation activation = Activation.Identity)
    {
        var probe = new Conv2dShape(1, channels, height, width, filters, kernel, stride, padding);
        if (probe.Problem() is { } why) throw new IlgpuAeException($"layer {name}: {why}");
        Geometry = probe;
        Activation = activation;
        int fanIn = channels * kernel * kernel, fanOut = filters * kernel * kernel;
        bool pytorch = store.Scheme == InitScheme.PyTorch;
        var init = pytorch ? Init.FanInUniform : activation is Activation.Relu or Activation.LeakyRelu or Activation.Elu ? Init.He : Init.Xavier;
        Weight = store.Add($"{name}.weight", filters, fanIn, init, fanIn, fanOut);
        Bias = store.Add($"{name}.bias", 1, filters, pytorch ? Init.FanInUniform : Init.Zeros, fanIn, fanOut);
    }

    /// <summary>The geometry for a batch of one (<see cref="Conv2dShape.Batch"/> is set per graph).</summary>
    public Conv2dShape Geometry { get; }
    /// <summary>f, fused into the reordering epilogue.</summary>
    public Activation Activation { get; }
    /// <summary>W [O, C·K·K].</summary>
    public Parameter<T> Weight { get; }
    /// <summary>b [1, O].</summary>
    public Parameter<T> Bias { get; }
    /// <summary>Features in per image, C·H·W.</summary>
    public int Inputs => Geometry.Channels * Geometry.InPlane;
    /// <summary>Features out per image, O·OH·OW.</summary>
    public int Outputs => Geometry.Filters * Geometry.OutPlane;

    /// <summary>The geometry for <paramref name="batch"/> images.</summary>
    public Conv2dShape For(int batch) => new(batch, Geometry.Channels, Geometry.Height, Geometry.Width, Geometry.Filters,
        Geometry.Kernel, Geometry.Stride, Geometry.Padding);

    /// <summary>f(conv2d(x, W) + b) for x [batch, <see cref="Inputs"/>], giving [batch, <see cref="Outputs"/>].</summary>
    public Node<T> Apply(GraphBuilder<T> g, Node<T> x) => g.Conv2d(x, For(x.Rows), Weight, Bias, Activation);
}

/// <summary>
/// y = f(convT(x, W) + b): nn.ConvTranspose2d(C_in, C_out, K, S, P) (no output padding), from C_in×H×W to C_out×H'×W' with
/// H' = (H − 1)·S − 2P + K. W [C_in, C_out·K·K] (PyTorch's [C_in, C_out, K, K] flattened), b [1, C_out]. PyTorch computes
/// fan_in from weight.size(1)·K·K = C_out·K·K, so with <see cref="InitScheme.PyTorch"/> weights and biases are U(±1/√(C_out·K·K));
/// otherwise He (ReLU family) or Xavier with fan_in = C_in·K·K, fan_out = C_out·K·K, biases zero.
/// </summary>
public sealed class ConvTranspose2d<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Declares "<paramref name="name"/>.weight" and ".bias"; <see cref="IlgpuAeException"/> when a size is not positive or the output would be empty.</summary>
    public ConvTranspose2d(ParameterStore<T> store, string name, int channels, int height, int width, int outChannels, int kernel, int stride, int padding,
        Activation activation = Activation.Identity)
    {
        if (channels <= 0 || height <= 0 || width <= 0 || outChannels <= 0 || kernel <= 0 || stride <= 0 || padding < 0)
            throw new IlgpuAeException($"layer {name}: transposed convolution sizes must be positive, got {channels}x{height}x{width} -> {outChannels}, kernel {kernel}, stride {stride}, padding {padding}");
        int outH = (height - 1) * stride - 2 * padding + kernel, outW = (width - 1) * stride - 2 * padding + kernel;
        if (outH <= 0 || outW <= 0)
            throw new IlgpuAeException($"layer {name}: a transposed convolution of {height}x{width} with kernel {kernel}, stride {stride}, padding {padding} has no output");
        var probe = new Conv2dShape(1, outChannels, outH, outW, channels, kernel, stride, padding);
        if (probe.Problem() is { } why || probe.OutHeight != height || probe.OutWidth != width)
            throw new IlgpuAeException($"layer {name}: kernel {kernel}, stride {stride}, padding {padding} do not give a transposed convolution of {height}x{width}");
        Geometry = probe;
        Activation = activation;
        int fanIn = outChannels * kernel * kernel, fanOut = channels * kernel * kernel;
        bool pytorch = store.Scheme == InitScheme.PyTorch;
        var init = pytorch ? Init.FanInUniform : activation is Activation.Relu or Activation.LeakyRelu or Activation.Elu ? Init.He : Init.Xavier;
        Weight = store.Add($"{name}.weight", channels, fanIn, init, pytorch ? fanIn : fanOut, pytorch ? fanOut : fanIn);
        Bias = store.Add($"{name}.bias", 1, outChannels, pytorch ? Init.FanInUniform : Init.Zeros, fanIn, fanOut);
    }

    /// <summary>The convolution this one transposes, for a batch of one: its Channels×Height×Width is this layer's output.</summary>
    public Conv2dShape Geometry { get; }
    /// <summary>f, fused into the col2im pass.</summary>
    public Activation Activation { get; }
    /// <summary>W [C_in, C_out·K·K].</summary>
    public Parameter<T> Weight { get; }
    /// <summary>b [1, C_out].</summary>
    public Parameter<T> Bias { get; }
    /// <summary>Features in per image, C_in·H·W.</summary>
    public int Inputs => Geometry.Filters * Geometry.OutPlane;
    /// <summary>Features out per image, C_out·H'·W'.</summary>
    public int Outputs => Geometry.Channels * Geometry.InPlane;

    /// <summary>The geometry for <paramref name="batch"/> images.</summary>
    public Conv2dShape For(int batch) => new(batch, Geometry.Channels, Geometry.Height, Geometry.Width, Geometry.Filters,
        Geometry.Kernel, Geometry.Stride, Geometry.Padding);

    /// <summary>f(convT(x, W) + b) for x [batch, <see cref="Inputs"/>], giving [batch, <see cref="Outputs"/>].</summary>
    public Node<T> Apply(GraphBuilder<T> g, Node<T> x) => g.ConvTranspose2d(x, For(x.Rows), Weight, Bias, Activation);
}
