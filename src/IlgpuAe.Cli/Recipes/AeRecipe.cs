using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Ops;

namespace IlgpuAe.Cli.Recipes;

/// <summary>`--model ae`: the deterministic autoencoder.</summary>
public sealed class AeRecipe : ModelRecipe
{
    public override string Kind => "ae";

    public override string Help => """
          --hidden 400[,200...]       hidden layer sizes of the encoder (decoder mirrors them)
          --code N                    code size (default 32)
          --activation relu|leaky_relu|tanh|sigmoid|elu|softplus|identity   hidden activation (default relu)
          --loss bce|mse              reconstruction loss (default bce)
        """;

    public override IReadOnlyCollection<string> Options => ["hidden", "code", "activation", "loss"];

    public override IReadOnlyCollection<string> EvalOptions => SpectrumDiagnostic.Options;

    public override IReadOnlyDictionary<string, object> Diagnose(Model<float> model, Args args, DataSplit data, int batch, string? outDir) =>
        SpectrumDiagnostic.Run(model, args, data, outDir);

    public override Model<float> Create(Device device, Args args, Dataset train, ulong seed) =>
        new Autoencoder<float>(device, ParseOptions(args, train), seed);

    /// <summary>The options every autoencoder variant shares; variants extend the record with `with`.</summary>
    public static AutoencoderOptions ParseOptions(Args args, Dataset train) => new()
    {
        Features = train.Features,
        Hidden = args.IntList("hidden", [400]),
        Code = args.Int("code", 32, 1, 1 << 16),
        Activation = ParseActivation(args.String("activation", "relu")),
        Loss = args.Choice("loss", "bce", "bce", "mse") == "bce" ? Reconstruction.Bce : Reconstruction.Mse,
    };

    public static Activation ParseActivation(string s) => s.ToLowerInvariant() switch
    {
        "relu" => Activation.Relu,
        "leaky_relu" or "leakyrelu" => Activation.LeakyRelu,
        "tanh" => Activation.Tanh,
        "sigmoid" => Activation.Sigmoid,
        "elu" => Activation.Elu,
        "softplus" => Activation.Softplus,
        "identity" or "linear" => Activation.Identity,
        _ => throw new UsageException($"--activation must be one of relu, leaky_relu, tanh, sigmoid, elu, softplus, identity, got '{s}'"),
    };
}
