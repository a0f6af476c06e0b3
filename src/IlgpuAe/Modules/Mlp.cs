using System.Numerics;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Modules;

/// <summary>A chain of Linear layers: sizes[0] -> ... -> sizes[^1], hidden activation between, output activation last.</summary>
public sealed class Mlp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public Mlp(ParameterStore<T> store, string name, IReadOnlyList<int> sizes, Activation hidden, Activation output = Activation.Identity, double? slope = null)
    {
        if (sizes.Count < 2) throw new IlgpuAeException($"{name} needs at least an input and an output size");
        Layers = Enumerable.Range(0, sizes.Count - 1)
            .Select(i => new Linear<T>(store, $"{name}.{i}", sizes[i], sizes[i + 1], i == sizes.Count - 2 ? output : hidden, slope))
            .ToArray();
    }

    public IReadOnlyList<Linear<T>> Layers { get; }
    public int Inputs => Layers[0].Inputs;
    public int Outputs => Layers[^1].Outputs;

    public Node<T> Apply(GraphBuilder<T> g, Node<T> x)
    {
        foreach (var layer in Layers) x = layer.Apply(g, x);
        return x;
    }
}
