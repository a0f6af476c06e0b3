using IlgpuAe.Data;
using IlgpuAe.Models;

namespace IlgpuAe.Cli.Recipes;

/// <summary>`--model cae`: the contractive autoencoder.</summary>
public sealed class CaeRecipe : ModelRecipe
{
    public override string Kind => "cae";

    public override string Help => """
          (the ae options --code, --activation, --loss, and:)
          --hidden H[,H...]           encoder hidden sizes (default none: one Linear layer, the fused exact penalty)
          --code-activation A         the code's activation (default sigmoid)
          --lambda L                  weight of ‖∂f(x)/∂x‖²_F per image, >= 0 (default 0.1)
          --jacobian exact|hutchinson exact: fused for one layer, chain of layer Jacobians for deeper encoders;
                                      hutchinson: E‖J·v‖² over --probes Gaussian probes per step (default exact)
          --probes K                  Hutchinson probes per step, >= 1 (default 4)
        """;

    public override IReadOnlyCollection<string> Options => [.. new AeRecipe().Options, "code-activation", "lambda", "jacobian", "probes"];

    public override IReadOnlyCollection<string> EvalOptions => SpectrumDiagnostic.Options;

    public override Model<float> Create(Device device, Args args, Dataset train, ulong seed)
    {
        var method = args.Choice("jacobian", "exact", "exact", "hutchinson") == "exact" ? JacobianMethod.Exact : JacobianMethod.Hutchinson;
        if (method == JacobianMethod.Exact && args.Has("probes")) throw new UsageException("--probes applies to --jacobian hutchinson only");
        var options = AeRecipe.ParseOptions(args, train);
        return new ContractiveAutoencoder<float>(device, new ContractiveOptions
        {
            Autoencoder = options with
            {
                Hidden = args.Has("hidden") ? options.Hidden : [],
                CodeActivation = AeRecipe.ParseActivation(args.String("code-activation", "sigmoid")),
            },
            Lambda = args.Double("lambda", 0.1, 0),
            Jacobian = method,
            Probes = args.Int("probes", 4, 1, 1024),
        }, seed);
    }

    public override IReadOnlyDictionary<string, object> Diagnose(Model<float> model, Args args, DataSplit data, int batch, string? outDir) =>
        SpectrumDiagnostic.Run(model, args, data, outDir);
}
