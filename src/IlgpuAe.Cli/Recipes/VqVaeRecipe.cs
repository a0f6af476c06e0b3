using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Ops;

namespace IlgpuAe.Cli.Recipes;

/// <summary>`--model vqvae`: the vector-quantised autoencoder (the ae options, the codebook).</summary>
public sealed class VqVaeRecipe : ModelRecipe
{
    public override string Kind => "vqvae";

    public override string Summary =>
        "the VQ-VAE (van den Oord et al. 2017): the ae options; the code is --codes vectors of --code-dim values, each replaced by its nearest of --codebook codes";

    readonly AeRecipe.Shared _ae = new();
    readonly CliOption<int> _codebook = Opt.Int("codebook", "codebook size K", 512, 1, 1 << 16, "K");
    readonly CliOption<int> _codeDim = Opt.Int("code-dim", "width D of a code vector", 16, 1, 1 << 12, "D");
    readonly CliOption<int> _codes = Opt.Int("codes", "code vectors per image (the encoder emits codes·D values)", 8, 1, 1 << 12);
    readonly CliOption<double> _commitment = Opt.Double("commitment", "weight beta of the commitment term ||z - sg(q)||^2", 0.25, 0, helpName: "B");
    readonly CliOption<bool> _ema = Opt.Flag("ema", "update the codebook by exponential moving averages of its code vectors instead of the codebook term");
    readonly CliOption<double> _decay = Opt.Double("ema-decay", "decay gamma of --ema", 0.99, 0, 1, helpName: "G");
    readonly CliOption<int> _restart = Opt.Int("restart-after", "restart a code unused for N training steps at a code vector of the batch (0: never)", 5, 0);

    public override IReadOnlyList<ICliOption> Options =>
        [_ae.Hidden, _ae.Activation, _ae.Loss, _codebook, _codeDim, _codes, _commitment, _ema, _decay, _restart, .. _ae.Arch.All];

    public override Model<float> Create(Device device, Args args, Dataset train, ulong seed)
    {
        bool ema = args.Get(_ema);
        if (!ema && args.Has(_decay)) throw new UsageException("--ema-decay applies only with --ema");
        double decay = args.Get(_decay);
        if (ema && !(decay < 1)) throw new UsageException($"--ema-decay must be below 1, got {decay}");
        return new VqVae<float>(device, new VqVaeOptions
        {
            Autoencoder = new AutoencoderOptions
            {
                Features = train.Features,
                Hidden = args.Get(_ae.Hidden),
                Activation = Opt.ActivationOf(args.Get(_ae.Activation)),
                Loss = args.Get(_ae.Loss) == "bce" ? Reconstruction.Bce : Reconstruction.Mse,
                Conv = _ae.Arch.Parse(args, train, _ae.Hidden),
            },
            Codebook = args.Get(_codebook),
            CodeDim = args.Get(_codeDim),
            Codes = args.Get(_codes),
            Commitment = args.Get(_commitment),
            EmaDecay = ema ? decay : null,
            RestartAfter = args.Get(_restart),
        }, seed);
    }
}
