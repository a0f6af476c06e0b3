using IlgpuAe.Data;
using IlgpuAe.Kernels;
using IlgpuAe.Models;
using IlgpuAe.Ops;

namespace IlgpuAe.Cli.Recipes;

/// <summary>`--model ae`: the deterministic autoencoder.</summary>
public sealed class AeRecipe : ModelRecipe
{
    public override string Kind => "ae";

    public override string Summary => "the deterministic autoencoder";

    /// <summary>The options every autoencoder variant shares (dae and sparse take them all, cae all but --hidden).</summary>
    public sealed class Shared
    {
        public readonly CliOption<int[]> Hidden = Opt.IntList("hidden", "hidden layer sizes of the encoder (the decoder mirrors them)", [400]);
        public readonly CliOption<int> Code = Opt.Int("code", "code size", 32, 1, 1 << 16);
        public readonly CliOption<string> Activation = Opt.Activation("activation", "hidden activation", "relu");
        public readonly CliOption<string> Loss = Opt.Choice("loss", "reconstruction loss", "bce", "bce", "mse");
        public readonly ConvArgs Arch = new();

        /// <summary>The autoencoder's options; variants extend the record with `with`.</summary>
        public AutoencoderOptions Parse(Args args, Dataset train, CliOption<int[]>? hidden = null) => new()
        {
            Features = train.Features,
            Hidden = args.Get(hidden ?? Hidden),
            Code = args.Get(Code),
            Activation = Opt.ActivationOf(args.Get(Activation)),
            Loss = args.Get(Loss) == "bce" ? Reconstruction.Bce : Reconstruction.Mse,
            Conv = Arch.Parse(args, train, hidden ?? Hidden),
        };
    }

    readonly Shared _ae = new();

    public override IReadOnlyList<ICliOption> Options => [_ae.Hidden, _ae.Code, _ae.Activation, _ae.Loss, .. _ae.Arch.All];

    public override IReadOnlyList<ICliOption> EvalOptionsOf(EvalOptions eval) => [eval.JacobianSpectrum];

    public override IReadOnlyDictionary<string, object> Diagnose(Model<float> model, Args args, EvalOptions eval, DataSplit data, int batch, string? outDir) =>
        SpectrumDiagnostic.Run(model, args, eval, data, outDir);

    public override Model<float> Create(Device device, Args args, Dataset train, ulong seed) =>
        new Autoencoder<float>(device, _ae.Parse(args, train), seed);
}
