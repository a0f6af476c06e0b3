using IlgpuAe.Data;
using IlgpuAe.Models;

namespace IlgpuAe.Cli.Recipes;

/// <summary>`--model sparse`: the sparse autoencoder (L1 or KL sparsity on the code).</summary>
public sealed class SparseRecipe : ModelRecipe
{
    public override string Kind => "sparse";

    public override string Help => """
          (the ae options --hidden, --code, --activation, --loss, and:)
          --sparsity l1|kl            penalty on the code h: lambda·Σ|h| per image, or lambda·Σ_j KL(rho ‖ mean h_j) (default l1)
          --lambda L                  penalty weight, >= 0 (default 0.01)
          --rho R                     KL target mean activation, in (0, 1) (default 0.05; kl only)
          --code-activation A         the code's activation (default relu for l1; kl needs sigmoid, its default)
          Reported each epoch besides the loss: code_mean_abs (mean |h|) and code_below_1e-3 (fraction of units off).
        """;

    public override IReadOnlyCollection<string> Options => [.. new AeRecipe().Options, "sparsity", "lambda", "rho", "code-activation"];

    public override IReadOnlyCollection<string> EvalOptions => SpectrumDiagnostic.Options;

    public override IReadOnlyDictionary<string, object> Diagnose(Model<float> model, Args args, DataSplit data, int batch, string? outDir) =>
        SpectrumDiagnostic.Run(model, args, data, outDir);

    public override Model<float> Create(Device device, Args args, Dataset train, ulong seed)
    {
        bool kl = args.Choice("sparsity", "l1", "l1", "kl") == "kl";
        if (!kl && args.Has("rho")) throw new UsageException("--rho applies to --sparsity kl only");
        double lambda = args.Double("lambda", 1e-2, 0);
        double rho = args.Double("rho", 0.05, 0, 1, exclusiveMin: true);
        if (rho >= 1) throw new UsageException($"--rho must be less than 1, got {rho}");
        var codeActivation = AeRecipe.ParseActivation(args.String("code-activation", kl ? "sigmoid" : "relu"));
        if (kl && codeActivation != Activation.Sigmoid)
            throw new UsageException("--sparsity kl needs --code-activation sigmoid (mean activations in (0, 1))");
        return new SparseAutoencoder<float>(device, new SparseOptions
        {
            Autoencoder = AeRecipe.ParseOptions(args, train) with { CodeActivation = codeActivation },
            Sparsity = kl ? Sparsity.Kl : Sparsity.L1,
            Lambda = lambda,
            Rho = rho,
        }, seed);
    }
}
