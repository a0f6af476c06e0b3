using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Ops;

namespace IlgpuAe.Cli.Recipes;

/// <summary>`--model wae`: the Wasserstein autoencoder with an MMD penalty (the ae options, the kernel and lambda).</summary>
public sealed class WaeRecipe : ModelRecipe
{
    public override string Kind => "wae";

    public override string Summary => "the Wasserstein autoencoder, WAE-MMD (Tolstikhin et al. 2018): the ae options, --code is z";

    readonly AeRecipe.Shared _ae = new();
    readonly CliOption<int> _code = Opt.Int("code", "code size d of z", 20, 1, 1 << 16);
    readonly CliOption<string> _kernel = Opt.Choice("mmd-kernel", "kernel of the MMD between codes and N(0, I) draws: C/(C + ‖a − b‖²) or e^(−‖a − b‖²/C)", "imq", "imq", "rbf");
    readonly CliOption<double> _lambda = Opt.Double("lambda", "weight of the mmd term, >= 0", 10, 0, helpName: "L");
    readonly CliOption<double> _scale = Opt.Double("mmd-scale", "kernel scale C as a multiple of the code size (C = S·d; 2 is 2·d·σ² for the N(0, I) prior)", 2, 0, exclusiveMin: true, helpName: "S");

    public override IReadOnlyList<ICliOption> Options => [_ae.Hidden, _code, _ae.Activation, _ae.Loss, _kernel, _lambda, _scale, .. _ae.Arch.All];

    public override Model<float> Create(Device device, Args args, Dataset train, ulong seed) =>
        new Wae<float>(device, new WaeOptions
        {
            Autoencoder = new AutoencoderOptions
            {
                Features = train.Features,
                Hidden = args.Get(_ae.Hidden),
                Code = args.Get(_code),
                Activation = Opt.ActivationOf(args.Get(_ae.Activation)),
                Loss = args.Get(_ae.Loss) == "bce" ? Reconstruction.Bce : Reconstruction.Mse,
                Conv = _ae.Arch.Parse(args, train, _ae.Hidden),
            },
            Kernel = args.Get(_kernel) == "rbf" ? MmdKernel.Rbf : MmdKernel.Imq,
            Lambda = args.Get(_lambda),
            Scale = args.Get(_scale),
        }, seed);
}
