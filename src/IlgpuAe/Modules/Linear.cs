using System.Numerics;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Modules;

/// <summary>
/// y = f(x·Wᵀ + b), W [out, in]. He initialisation for ReLU-family activations, Xavier otherwise
/// (a linear output layer included), biases zero.
/// </summary>
public sealed class Linear<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public Linear(ParameterStore<T> store, string name, int inputs, int outputs, Activation activation = Activation.Identity, double? slope = null)
    {
        if (inputs <= 0 || outputs <= 0) throw new IlgpuAeException($"layer {name} needs positive sizes, got {inputs} -> {outputs}");
        Inputs = inputs;
        Outputs = outputs;
        Activation = activation;
        Slope = slope;
        var init = activation is Activation.Relu or Activation.LeakyRelu or Activation.Elu ? Init.He : Init.Xavier;
        Weight = store.Add($"{name}.weight", outputs, inputs, init, inputs, outputs);
        Bias = store.Add($"{name}.bias", 1, outputs, Init.Zeros);
    }

    public int Inputs { get; }
    public int Outputs { get; }
    public Activation Activation { get; }
    public double? Slope { get; }
    public Parameter<T> Weight { get; }
    public Parameter<T> Bias { get; }

    public Node<T> Apply(GraphBuilder<T> g, Node<T> x) => g.Linear(x, Weight, Bias, Activation, Slope);
}
