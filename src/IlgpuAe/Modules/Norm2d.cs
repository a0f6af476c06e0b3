using System.Numerics;
using IlgpuAe.Graph;

namespace IlgpuAe.Modules;

/// <summary>A normalisation of convolutional feature maps.</summary>
public enum Normalization
{
    /// <summary>None.</summary>
    None,
    /// <summary>nn.BatchNorm2d: per channel over the batch, running statistics for evaluation.</summary>
    Batch,
    /// <summary>nn.GroupNorm: per image and group of channels, the same in training and evaluation.</summary>
    Group,
}

/// <summary>
/// nn.BatchNorm2d(C) (eps 1e-5, momentum 0.1) or nn.GroupNorm(G, C) (eps 1e-5) on maps [B, C·plane]: "<c>name</c>.weight" γ
/// (ones) and ".bias" β (zeros), [1, C]; BatchNorm also declares the buffers ".running_mean" (zeros) and ".running_var" (ones),
/// PyTorch's names, which model files and run checkpoints carry beside the parameters.
/// </summary>
public sealed class Norm2d<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Declares the layer; <see cref="IlgpuAeException"/> for <see cref="Normalization.None"/> or a group count that does not divide the channels.</summary>
    public Norm2d(ParameterStore<T> store, string name, Normalization kind, int channels, int plane, int groups)
    {
        if (kind == Normalization.None) throw new IlgpuAeException($"layer {name}: no normalisation to declare");
        if (channels <= 0 || plane <= 0) throw new IlgpuAeException($"layer {name}: normalisation sizes must be positive, got {channels} channels of {plane} pixels");
        if (kind == Normalization.Group && (groups <= 0 || channels % groups != 0))
            throw new IlgpuAeException($"layer {name}: group normalisation needs a group count that divides the {channels} channels, got {groups}");
        Kind = kind;
        Channels = channels;
        Plane = plane;
        Groups = groups;
        Weight = store.Add($"{name}.weight", 1, channels, Init.Ones);
        Bias = store.Add($"{name}.bias", 1, channels, Init.Zeros);
        if (kind == Normalization.Batch)
        {
            RunningMean = store.AddBuffer($"{name}.running_mean", 1, channels, 0);
            RunningVariance = store.AddBuffer($"{name}.running_var", 1, channels, 1);
        }
    }

    /// <summary>Batch or group.</summary>
    public Normalization Kind { get; }
    /// <summary>C.</summary>
    public int Channels { get; }
    /// <summary>Pixels per channel.</summary>
    public int Plane { get; }
    /// <summary>GroupNorm's G.</summary>
    public int Groups { get; }
    /// <summary>γ [1, C].</summary>
    public Parameter<T> Weight { get; }
    /// <summary>β [1, C].</summary>
    public Parameter<T> Bias { get; }
    /// <summary>BatchNorm's running mean; null for GroupNorm.</summary>
    public ModelBuffer<T>? RunningMean { get; }
    /// <summary>BatchNorm's running variance (unbiased estimates); null for GroupNorm.</summary>
    public ModelBuffer<T>? RunningVariance { get; }

    /// <summary>The normalisation of x [batch, C·plane]; BatchNorm uses batch statistics in a training graph and the running ones in an evaluation graph.</summary>
    public Node<T> Apply(GraphBuilder<T> g, Node<T> x) => Kind == Normalization.Batch
        ? g.BatchNorm2d(x, Channels, Plane, Weight, Bias, RunningMean!, RunningVariance!)
        : g.GroupNorm(x, Channels, Plane, Groups, Weight, Bias);
}
