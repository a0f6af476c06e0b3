using System.Numerics;
using System.Text.Json;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;
using IlgpuAe.Modules;
using IlgpuAe.Ops;

namespace IlgpuAe.Models;

/// <summary>How the contractive penalty's ‖∂f/∂x‖²_F is computed.</summary>
public enum JacobianMethod
{
    /// <summary>Exactly: the fused kernel for a one-layer encoder, the chain of layer Jacobians for deeper ones.</summary>
    Exact,
    /// <summary>Hutchinson's estimate E‖J·v‖², v ~ N(0, I), with a few probes per step.</summary>
    Hutchinson,
}

/// <summary>An autoencoder's sizes plus the contractive penalty's weight and method.</summary>
public sealed record ContractiveOptions
{
    /// <summary>The sizes; by default one sigmoid layer each way (the classic CAE, which the fused exact kernel serves).</summary>
    public AutoencoderOptions Autoencoder { get; init; } = new() { Hidden = [], CodeActivation = Activation.Sigmoid };
    /// <summary>λ, the weight of the "contractive" term (zero or positive).</summary>
    public double Lambda { get; init; } = 0.1;
    /// <summary>Exact Frobenius norm or Hutchinson's estimate.</summary>
    public JacobianMethod Jacobian { get; init; } = JacobianMethod.Exact;
    /// <summary>Random probes v per image and step for <see cref="JacobianMethod.Hutchinson"/> (at least 1).</summary>
    public int Probes { get; init; } = 4;

    /// <summary>Throws <see cref="IlgpuAeException"/> naming the property (<see cref="OptionError"/>) for invalid sizes, a negative or non-finite λ, or no Hutchinson probes.</summary>
    public void Validate()
    {
        Autoencoder.Validate();
        // The penalty's Jacobian is assembled from dense layers (EncoderLayers); convolutions in front would be left out of it.
        if (Autoencoder.Conv is not null)
            throw OptionError.Worded("AutoencoderOptions.Conv", "AutoencoderOptions.Conv is not available for cae: the contractive penalty differentiates dense encoder layers only");
        if (!(double.IsFinite(Lambda) && Lambda >= 0))
            throw OptionError.Worded("ContractiveOptions.Lambda", $"ContractiveOptions.Lambda: the contractive weight lambda must be zero or positive, got {Lambda}");
        if (Jacobian == JacobianMethod.Hutchinson && Probes <= 0)
            throw OptionError.Worded("ContractiveOptions.Probes", $"ContractiveOptions.Probes: the Hutchinson estimate needs probes >= 1, got {Probes}");
    }
}

/// <summary>
/// Contractive autoencoder: L(x, g(f(x))) + λ·‖∂f(x)/∂x‖²_F per image (term "contractive"). The
/// encoder's layer outputs are found from the code back through the graph, so the penalty sees the
/// same nodes the reconstruction uses and its gradient reaches every encoder parameter.
/// </summary>
public class ContractiveAutoencoder<T> : Autoencoder<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A contractive autoencoder on <paramref name="device"/>; throws <see cref="IlgpuAeException"/> for invalid options.</summary>
    public ContractiveAutoencoder(Device device, ContractiveOptions options, ulong seed = 1)
        : base(device, Checked(options).Autoencoder, seed) => Contractive = options;

    /// <summary>The options the model was built with.</summary>
    public ContractiveOptions Contractive { get; }
    /// <summary>"cae"</summary>
    public override string Kind => "cae";
    /// <see cref="Contractive"/> as snake_case JSON.
    public override string ConfigJson() => JsonSerializer.Serialize(Contractive, ModelJson.Options);

    /// <summary>Adds λ·‖∂h/∂x‖²_F per image as the term "contractive".</summary>
    protected override void Regularize(GraphBuilder<T> g, Node<T> x, Node<T> h)
    {
        var layers = EncoderLayers(Encoder, h);
        var penalty = Contractive.Jacobian == JacobianMethod.Exact
            ? g.ExactContractive(layers)
            : g.HutchinsonContractive(layers, Contractive.Probes);
        g.Loss("contractive", penalty, Contractive.Lambda);
    }

    /// <summary>
    /// The encoder's layers as its Jacobian needs them, walking from the code h back through the
    /// Linear ops that produced it (checked against the encoder's own weights).
    /// </summary>
    public static IReadOnlyList<JacobianLayer<T>> EncoderLayers(Mlp<T> encoder, Node<T> h)
    {
        var layers = new JacobianLayer<T>[encoder.Layers.Count];
        var node = h;
        for (int l = encoder.Layers.Count - 1; l >= 0; l--)
        {
            var layer = encoder.Layers[l];
            if (node.Producer is not LinearOp<T> op || op.Inputs[1].Parameter != layer.Weight)
                throw new InvalidOperationException($"{node} is not the output of encoder layer {l} ({layer.Weight.Name})");
            layers[l] = new JacobianLayer<T>(node, layer.Weight, layer.Activation, layer.Slope);
            node = op.Inputs[0];
        }
        return layers;
    }

    static ContractiveOptions Checked(ContractiveOptions options)
    {
        options.Validate();
        return options;
    }
}
