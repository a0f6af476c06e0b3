using System.Numerics;
using IlgpuAe.Graph;

namespace IlgpuAe.Modules;

/// <summary>A chain of Linear layers: sizes[0] -> ... -> sizes[^1], hidden activation between, output activation last.</summary>
public sealed class Mlp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Declares layers "<paramref name="name"/>.0" … "<paramref name="name"/>.{n−2}" for <paramref name="sizes"/> (at least two, else
    /// <see cref="IlgpuAeException"/>): <paramref name="hidden"/> on every layer but the last, <paramref name="output"/> on the last.
    /// </summary>
    public Mlp(ParameterStore<T> store, string name, IReadOnlyList<int> sizes, Activation hidden, Activation output = Activation.Identity, double? slope = null)
    {
        if (sizes.Count < 2) throw new IlgpuAeException($"{name} needs at least an input and an output size");
        Layers = Enumerable.Range(0, sizes.Count - 1)
            .Select(i => new Linear<T>(store, $"{name}.{i}", sizes[i], sizes[i + 1], i == sizes.Count - 2 ? output : hidden, slope))
            .ToArray();
    }

    /// <summary>The layers, input side first.</summary>
    public IReadOnlyList<Linear<T>> Layers { get; }
    /// <summary>Features in (sizes[0]).</summary>
    public int Inputs => Layers[0].Inputs;
    /// <summary>Features out (sizes[^1]).</summary>
    public int Outputs => Layers[^1].Outputs;

    /// <summary>Every layer in order on x [batch, Inputs], giving [batch, Outputs].</summary>
    public Node<T> Apply(GraphBuilder<T> g, Node<T> x)
    {
        foreach (var layer in Layers) x = layer.Apply(g, x);
        return x;
    }
}
