using IlgpuAe.Data;
using IlgpuAe.Kernels;
using IlgpuAe.Models;

namespace IlgpuAe.Cli.Recipes;

/// <summary>`--model sparse`: the sparse autoencoder (L1 or KL sparsity on the code).</summary>
public sealed class SparseRecipe : ModelRecipe
{
    public override string Kind => "sparse";

    public override string Summary =>
        "the sparse autoencoder (the ae options and the penalty); each epoch also reports code_mean_abs (mean |h|) and code_below_1e-3 (fraction of units off)";

    readonly AeRecipe.Shared _ae = new();
    readonly CliOption<string> _sparsity = Opt.Choice("sparsity", "penalty on the code h: lambda·Σ|h| per image, or lambda·Σ_j KL(rho ‖ mean h_j)", "l1", "l1", "kl");
    readonly CliOption<double> _lambda = Opt.Double("lambda", "penalty weight, >= 0", 1e-2, 0, helpName: "L");
    readonly CliOption<double> _rho = Opt.Double("rho", "KL target mean activation, in (0, 1) (kl only)", 0.05, 0, 1, exclusiveMin: true, helpName: "R");
    readonly CliOption<string?> _codeActivation = Opt.OptionalActivation("code-activation", "the code's activation (default relu for l1; kl needs sigmoid, its default)");

    public override IReadOnlyList<ICliOption> Options => [_ae.Hidden, _ae.Code, _ae.Activation, _ae.Loss, _sparsity, _lambda, _rho, _codeActivation, .. _ae.Arch.All];

    public override IReadOnlyList<ICliOption> EvalOptionsOf(EvalOptions eval) => [eval.JacobianSpectrum];

    public override IReadOnlyDictionary<string, object> Diagnose(Model<float> model, Args args, EvalOptions eval, DataSplit data, int batch, string? outDir) =>
        SpectrumDiagnostic.Run(model, args, eval, data, outDir);

    public override Model<float> Create(Device device, Args args, Dataset train, ulong seed)
    {
        bool kl = args.Get(_sparsity) == "kl";
        if (!kl && args.Has(_rho)) throw new UsageException("--rho applies to --sparsity kl only");
        double lambda = args.Get(_lambda);
        double rho = kl ? args.Get(_rho) : 0.05;
        if (rho >= 1) throw new UsageException($"--rho must be less than 1, got {rho}");
        var codeActivation = Opt.ActivationOf(args.Get(_codeActivation) ?? args.Use(_codeActivation.Key, kl ? "sigmoid" : "relu"));
        if (kl && codeActivation != Activation.Sigmoid)
            throw new UsageException("--sparsity kl needs --code-activation sigmoid (mean activations in (0, 1))");
        return new SparseAutoencoder<float>(device, new SparseOptions
        {
            Autoencoder = _ae.Parse(args, train) with { CodeActivation = codeActivation },
            Sparsity = kl ? Sparsity.Kl : Sparsity.L1,
            Lambda = lambda,
            Rho = rho,
        }, seed);
    }
}
