using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Ops;
using IlgpuAe.Training;
using IlgpuAe.Plots;

namespace IlgpuAe.Cli.Recipes;

/// <summary>`--model dae`: the denoising autoencoder.</summary>
public sealed class DaeRecipe : ModelRecipe
{
    public override string Kind => "dae";

    public override string Summary => "the denoising autoencoder (the ae options and the corruption)";

    readonly AeRecipe.Shared _ae = new();
    readonly CliOption<string> _noise = Opt.Choice("noise", "corruption of the encoder's input, redrawn every step", "gaussian", "gaussian", "mask", "saltpepper");
    readonly CliOption<double> _sigma = Opt.Double("sigma", "standard deviation of gaussian noise, > 0", 0.3, 0, exclusiveMin: true, helpName: "S");
    readonly CliOption<double> _p = Opt.Double("p", "fraction of inputs zeroed (mask) or set to 0/1 (saltpepper), in [0, 1]", 0.25, 0, 1, helpName: "P");

    public override IReadOnlyList<ICliOption> Options => [_ae.Hidden, _ae.Code, _ae.Activation, _ae.Loss, _noise, _sigma, _p, .. _ae.Arch.All];

    public override IReadOnlyList<ICliOption> EvalOptionsOf(EvalOptions eval) => [eval.JacobianSpectrum];

    public override IReadOnlyDictionary<string, object> Diagnose(Model<float> model, Args args, EvalOptions eval, DataSplit data, int batch, string? outDir) =>
        SpectrumDiagnostic.Run(model, args, eval, data, outDir);

    public override Model<float> Create(Device device, Args args, Dataset train, ulong seed) =>
        new DenoisingAutoencoder<float>(device, new DenoisingOptions
        {
            Autoencoder = _ae.Parse(args, train),
            Noise = ParseNoise(args),
        }, seed);

    /// <summary>--noise with its one level option; the option that does not apply to the noise is refused.</summary>
    Corruption ParseNoise(Args args)
    {
        string noise = args.Get(_noise);
        if (noise == "gaussian")
        {
            if (args.Has(_p)) throw new UsageException("--p applies to --noise mask or saltpepper, not gaussian (use --sigma)");
            return new Corruption(NoiseKind.Gaussian, args.Get(_sigma));
        }
        if (args.Has(_sigma)) throw new UsageException($"--sigma applies to --noise gaussian, not {noise} (use --p)");
        return new Corruption(noise == "mask" ? NoiseKind.Mask : NoiseKind.SaltPepper, args.Get(_p));
    }

    /// <summary>reconstructions.png in three rows: corrupted input, reconstruction, clean image.</summary>
    public override IReadOnlyList<string> Pictures(Model<float> model, DataSplit data, string outDir)
    {
        DenoisingPictures.Save((DenoisingAutoencoder<float>)model, data.Test, Path.Combine(outDir, "reconstructions.png"));
        return ["reconstructions.png"];
    }
}
