using System.Numerics;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Modules;

/// <summary>
/// y = f(x·Wᵀ + b), W [out, in]. He initialisation for ReLU-family activations, Xavier otherwise
/// (a linear output layer included), biases zero; with the store's <see cref="InitScheme.PyTorch"/>, weights and
/// biases U(±1/√in) instead.
/// </summary>
public sealed class Linear<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Declares "<paramref name="name"/>.weight" [outputs, inputs] and "<paramref name="name"/>.bias" [1, outputs] in <paramref name="store"/>;
    /// <paramref name="slope"/> is LeakyReLU's slope or ELU's scale (null: <see cref="GraphBuilder{T}.DefaultSlope"/>).
    /// Throws <see cref="IlgpuAeException"/> for a size that is not positive.
    /// </summary>
    public Linear(ParameterStore<T> store, string name, int inputs, int outputs, Activation activation = Activation.Identity, double? slope = null)
    {
        if (inputs <= 0 || outputs <= 0) throw new IlgpuAeException($"layer {name} needs positive sizes, got {inputs} -> {outputs}");
        Inputs = inputs;
        Outputs = outputs;
        Activation = activation;
        Slope = slope;
        bool pytorch = store.Scheme == InitScheme.PyTorch;
        var init = pytorch ? Init.FanInUniform
            : activation is Activation.Relu or Activation.LeakyRelu or Activation.Elu ? Init.He : Init.Xavier;
        Weight = store.Add($"{name}.weight", outputs, inputs, init, inputs, outputs);
        Bias = store.Add($"{name}.bias", 1, outputs, pytorch ? Init.FanInUniform : Init.Zeros, inputs, outputs);
    }

    /// <summary>Features in, the columns of <see cref="Weight"/>.</summary>
    public int Inputs { get; }
    /// <summary>Features out, the rows of <see cref="Weight"/>.</summary>
    public int Outputs { get; }
    /// <summary>f, fused into the GEMM epilogue.</summary>
    public Activation Activation { get; }
    /// <summary>LeakyReLU's slope or ELU's scale; null for the default.</summary>
    public double? Slope { get; }
    /// <summary>W [Outputs, Inputs].</summary>
    public Parameter<T> Weight { get; }
    /// <summary>b [1, Outputs], initialised to zero.</summary>
    public Parameter<T> Bias { get; }

    /// <summary>f(x·Wᵀ + b) for x [batch, Inputs], giving [batch, Outputs].</summary>
    public Node<T> Apply(GraphBuilder<T> g, Node<T> x) => g.Linear(x, Weight, Bias, Activation, Slope);
}
