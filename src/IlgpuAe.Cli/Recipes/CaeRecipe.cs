using IlgpuAe.Data;
using IlgpuAe.Kernels;
using IlgpuAe.Models;

namespace IlgpuAe.Cli.Recipes;

/// <summary>`--model cae`: the contractive autoencoder.</summary>
public sealed class CaeRecipe : ModelRecipe
{
    public override string Kind => "cae";

    public override string Summary => "the contractive autoencoder (the ae options --code, --activation, --loss and the penalty)";

    readonly AeRecipe.Shared _ae = new();
    readonly CliOption<int[]> _hidden = Opt.IntList("hidden", "encoder hidden sizes (none: one Linear layer, the fused exact penalty)", []);
    readonly CliOption<string> _codeActivation = Opt.Activation("code-activation", "the code's activation", "sigmoid");
    readonly CliOption<double> _lambda = Opt.Double("lambda", "weight of ‖∂f(x)/∂x‖²_F per image, >= 0", 0.1, 0, helpName: "L");
    readonly CliOption<string> _jacobian = Opt.Choice("jacobian",
        "exact: fused for one layer, chain of layer Jacobians for deeper encoders; hutchinson: E‖J·v‖² over --probes Gaussian probes per step",
        "exact", "exact", "hutchinson");
    readonly CliOption<int> _probes = Opt.Int("probes", "Hutchinson probes per step, >= 1", 4, 1, 1024, "K");

    public override IReadOnlyList<ICliOption> Options => [_hidden, _ae.Code, _ae.Activation, _ae.Loss, _codeActivation, _lambda, _jacobian, _probes, .. _ae.Arch.All];

    public override IReadOnlyList<ICliOption> EvalOptionsOf(EvalOptions eval) => [eval.JacobianSpectrum, eval.Tangents];

    public override Model<float> Create(Device device, Args args, Dataset train, ulong seed)
    {
        var method = args.Get(_jacobian) == "exact" ? JacobianMethod.Exact : JacobianMethod.Hutchinson;
        if (method == JacobianMethod.Exact && args.Has(_probes)) throw new UsageException("--probes applies to --jacobian hutchinson only");
        var options = _ae.Parse(args, train, _hidden);
        return new ContractiveAutoencoder<float>(device, new ContractiveOptions
        {
            Autoencoder = options with { CodeActivation = Opt.ActivationOf(args.Get(_codeActivation)) },
            Lambda = args.Get(_lambda),
            Jacobian = method,
            Probes = method == JacobianMethod.Hutchinson ? args.Get(_probes) : 4,
        }, seed);
    }

    public override IReadOnlyDictionary<string, object> Diagnose(Model<float> model, Args args, EvalOptions eval, DataSplit data, int batch, string? outDir) =>
        new Dictionary<string, object>(SpectrumDiagnostic.Run(model, args, eval, data, outDir).Concat(TangentDiagnostic.Run(model, args, eval, data, outDir)));
}
