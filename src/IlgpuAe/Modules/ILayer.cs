using System.Numerics;
using IlgpuAe.Graph;

namespace IlgpuAe.Modules;

/// <summary>A layer a model can end on: dense or (transposed) convolutional, with a bias whose start a model may set from data.</summary>
public interface ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Features per row read.</summary>
    int Inputs { get; }
    /// <summary>Features per row written.</summary>
    int Outputs { get; }
    /// <summary>The bias, [1, Outputs] for a dense layer, [1, channels] for a convolution.</summary>
    Parameter<T> Bias { get; }
    /// <summary>The layer on x [batch, Inputs], giving [batch, Outputs].</summary>
    Node<T> Apply(GraphBuilder<T> g, Node<T> x);
}
