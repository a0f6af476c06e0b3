using System.Numerics;
using System.Reflection;
using Google.Protobuf;
using IlgpuAe.Kernels;
using IlgpuAe.Models;
using IlgpuAe.Modules;
using IlgpuAe.Ops;
using Onnx;

namespace IlgpuAe.Onnx;

/// <summary>The two graphs of an export and what their inputs and outputs are called.</summary>
/// <param name="Encoder">x [batch, features] (and c [batch, condition] for a cvae) to the code (ae family) or to q(z|x)'s parameters.</param>
/// <param name="Decoder">The code or z [batch, latent] (and c for a cvae) to the reconstruction (the decoder's mean image).</param>
public sealed record OnnxModels(ModelProto Encoder, ModelProto Decoder)
{
    /// <summary>Names of the encoder's graph inputs, in order.</summary>
    public IReadOnlyList<string> EncoderInputs => Encoder.Graph.Input.Select(i => i.Name).ToArray();
    /// <summary>Names of the encoder's graph outputs, in order.</summary>
    public IReadOnlyList<string> EncoderOutputs => Encoder.Graph.Output.Select(i => i.Name).ToArray();
    /// <summary>Names of the decoder's graph inputs, in order.</summary>
    public IReadOnlyList<string> DecoderInputs => Decoder.Graph.Input.Select(i => i.Name).ToArray();
    /// <summary>Names of the decoder's graph outputs, in order.</summary>
    public IReadOnlyList<string> DecoderOutputs => Decoder.Graph.Output.Select(i => i.Name).ToArray();
}

/// <summary>
/// Exports a trained model's encoder and decoder as two ONNX files (float32, opset 17, batch dimension "batch"),
/// built from the model's own modules so that they compute what the engine's evaluation graph computes:
/// <list type="bullet">
/// <item>ae, dae, sparse, cae: encoder x → "code"; decoder "code" → "reconstruction" (sigmoid of the logits for a BCE
/// model, the linear output for MSE). A dae's encoder is exported clean: corruption belongs to training.</item>
/// <item>vae: encoder x → "mean" and "logvar" (diagonal posterior) or "mean" and "factor", the lower-triangular L
/// [batch, latent·latent] (row-major latent×latent per row, softplus diagonal + 1e-3) of Σ = LLᵀ; decoder "z" →
/// "reconstruction" (σ(logits) for Bernoulli, the mean for Gaussian) and, for a learned variance, "logvar". A GMM prior's
/// mixture is not part of either graph.</item>
/// <item>cvae: the same with the condition as a second input "c" [batch, condition columns] of both graphs (the one-hot
/// label or the masked image, as <see cref="Cvae{T}.Conditions"/> builds it).</item>
/// </list>
/// A model whose graph the engine cannot know (a subclass that overrides <c>Build</c>, or a model type other than these)
/// is refused with <see cref="IlgpuAeException"/>.
/// </summary>
public static class OnnxExport
{
    /// <summary>The ONNX operator set the graphs declare.</summary>
    public const long Opset = 17;

    /// <summary>File names <see cref="Export"/> writes in its directory.</summary>
    public const string EncoderFile = "encoder.onnx", DecoderFile = "decoder.onnx";

    /// <summary>Builds both graphs from <paramref name="model"/>'s current parameters (converted to float32).</summary>
    public static OnnxModels Build<T>(Model<T> model) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        bool convolutional = model switch
        {
            Vae<T> vae => vae.Convolutions is not null,
            Cvae<T> cvae => cvae.Convolutions is not null,
            Autoencoder<T> ae => ae.Convolutions is not null,
            _ => false,
        };
        if (convolutional)
            throw new IlgpuAeException($"model '{model.Kind}' has a convolutional architecture, which the ONNX export does not write yet: only MLP models are exported");
        var values = model.Parameters.Download();
        return model switch
        {
            Vae<T> vae => Variational(model, values, vae.Encoder, vae.Head, vae.Decoder, 0),
            Cvae<T> cvae => Variational(model, values, cvae.Encoder, cvae.Head, cvae.Decoder, cvae.Options.ConditionCols),
            Autoencoder<T> ae when Exportable(ae) => Deterministic(ae, values),
            _ => throw new IlgpuAeException(
                $"model '{model.Kind}' ({model.GetType().Name}) cannot be exported to ONNX: only the built-in ae, dae, sparse, cae, vae " +
                "and cvae, and Autoencoder subclasses that keep its Build and Bottleneck (overriding Regularize or Corrupt only, as the aae does), are exported"),
        };
    }

    /// <summary>
    /// Writes <see cref="EncoderFile"/> and <see cref="DecoderFile"/> into <paramref name="directory"/> (created if missing),
    /// each to a temporary file renamed into place; returns the graphs written.
    /// </summary>
    public static OnnxModels Export<T>(Model<T> model, string directory) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var models = Build(model);
        try
        {
            Directory.CreateDirectory(directory);
            Write(models.Encoder, Path.Combine(directory, EncoderFile));
            Write(models.Decoder, Path.Combine(directory, DecoderFile));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IlgpuAeException($"cannot write the ONNX files to {directory}: {e.Message}");
        }
        return models;
    }

    static void Write(ModelProto model, string path)
    {
        string temp = path + ".tmp";
        using (var file = File.Create(temp)) model.WriteTo(file);
        File.Move(temp, path, overwrite: true);
    }

    // Only Autoencoder's own Build is known to be encoder → decoder; Regularize and Corrupt do not change inference, a
    // Bottleneck (the VQ-VAE's quantiser) does.
    static bool Exportable<T>(Autoencoder<T> model) where T : unmanaged, IFloatingPointIeee754<T> =>
        model.GetType().GetMethod("Build", BindingFlags.Instance | BindingFlags.NonPublic)!.DeclaringType == typeof(Autoencoder<T>)
        && model.GetType().GetMethod("Bottleneck", BindingFlags.Instance | BindingFlags.NonPublic)!.DeclaringType == typeof(Autoencoder<T>);

    static OnnxModels Deterministic<T>(Autoencoder<T> model, T[] values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var o = model.Options;
        var enc = new OnnxGraph<T>("encoder", values);
        string h = enc.Input("x", o.Features);
        foreach (var layer in model.Encoder.Layers) h = enc.Linear(h, layer);
        enc.Output("code", h, o.Code);

        var dec = new OnnxGraph<T>("decoder", values);
        string r = dec.Input("code", o.Code);
        foreach (var layer in model.Decoder.Layers) r = dec.Linear(r, layer);
        if (o.Loss == Reconstruction.Bce) r = dec.Activation(r, Activation.Sigmoid, null);
        dec.Output("reconstruction", r, o.Features);
        return new(Wrap(model, enc), Wrap(model, dec));
    }

    static OnnxModels Variational<T>(Model<T> model, T[] values, ConditionedMlp<T> encoder, GaussianHead<T> head,
        LikelihoodDecoder<T> decoder, int conditionCols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int d = head.Latent;
        var enc = new OnnxGraph<T>("encoder", values);
        string h = Trunk(enc, encoder, enc.Input("x", model.Features), conditionCols > 0 ? enc.Input("c", conditionCols) : null);
        enc.Output("mean", enc.Linear(h, head.Mean), d);
        string raw = enc.Linear(h, head.Scale);
        if (head.Posterior == Posterior.Diag) enc.Output("logvar", raw, d);
        else enc.Output("factor", enc.TriangularFactor(raw, d, 1e-3), d * d);

        var dec = new OnnxGraph<T>("decoder", values);
        string t = Trunk(dec, decoder.Trunk, dec.Input("z", d), conditionCols > 0 ? dec.Input("c", conditionCols) : null);
        string output = dec.Linear(t, Dense(decoder.Out));
        if (decoder.Likelihood == Likelihood.Bernoulli) output = dec.Activation(output, Activation.Sigmoid, null);
        dec.Output("reconstruction", output, model.Features);
        if (decoder.LogVar is not null) dec.Output("logvar", dec.Linear(t, Dense(decoder.LogVar)), model.Features);
        return new(Wrap(model, enc), Wrap(model, dec));
    }

    // MLP decoders end in Linear layers; convolutional ones were refused in Build.
    static Linear<T> Dense<T>(ILayer<T> layer) where T : unmanaged, IFloatingPointIeee754<T> =>
        layer as Linear<T> ?? throw new IlgpuAeException($"the ONNX export writes dense output layers only, not {layer.GetType().Name}");

    // The first layer reads x and c: f(x·Wxᵀ + b + c·Wcᵀ), as ConditionedMlp.Apply builds it.
    static string Trunk<T>(OnnxGraph<T> g, ConditionedMlp<T> trunk, string x, string? c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var first = trunk.Layers[0];
        string h = trunk.ConditionWeight is null || c is null
            ? g.Linear(x, first)
            : g.Activation(g.Add(g.Gemm(x, first.Weight, first.Bias), g.Gemm(c, trunk.ConditionWeight, null)), trunk.Activation, null);
        foreach (var layer in trunk.Layers.Skip(1)) h = g.Linear(h, layer);
        return h;
    }

    static ModelProto Wrap<T>(Model<T> model, OnnxGraph<T> graph) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var proto = new ModelProto
        {
            IrVersion = (long)global::Onnx.Version.IrVersion2021730,
            ProducerName = "IlgpuAe",
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "",
            Graph = graph.Proto,
            DocString = $"{graph.Proto.Name} of an IlgpuAe '{model.Kind}' model",
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        proto.MetadataProps.Add(new StringStringEntryProto { Key = "ilgpu_ae.model", Value = model.Kind });
        proto.MetadataProps.Add(new StringStringEntryProto { Key = "ilgpu_ae.config", Value = model.ConfigJson() });
        return proto;
    }
}
