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

    public override string Help => """
          (the ae options --hidden, --code, --activation, --loss, and:)
          --noise gaussian|mask|saltpepper   corruption of the encoder's input, redrawn every step (default gaussian)
          --sigma S                   standard deviation of gaussian noise, > 0 (default 0.3)
          --p P                       fraction of inputs zeroed (mask) or set to 0/1 (saltpepper), in [0, 1] (default 0.25)
        """;

    public override IReadOnlyCollection<string> Options => [.. new AeRecipe().Options, "noise", "sigma", "p"];

    public override IReadOnlyCollection<string> EvalOptions => SpectrumDiagnostic.Options;

    public override IReadOnlyDictionary<string, object> Diagnose(Model<float> model, Args args, DataSplit data, int batch, string? outDir) =>
        SpectrumDiagnostic.Run(model, args, data, outDir);

    public override Model<float> Create(Device device, Args args, Dataset train, ulong seed) =>
        new DenoisingAutoencoder<float>(device, new DenoisingOptions
        {
            Autoencoder = AeRecipe.ParseOptions(args, train),
            Noise = ParseNoise(args),
        }, seed);

    /// <summary>--noise with its one level option; the option that does not apply to the noise is refused.</summary>
    public static Corruption ParseNoise(Args args)
    {
        string noise = args.Choice("noise", "gaussian", "gaussian", "mask", "saltpepper");
        if (noise == "gaussian")
        {
            if (args.Has("p")) throw new UsageException("--p applies to --noise mask or saltpepper, not gaussian (use --sigma)");
            return new Corruption(NoiseKind.Gaussian, args.Double("sigma", 0.3, 0, exclusiveMin: true));
        }
        if (args.Has("sigma")) throw new UsageException($"--sigma applies to --noise gaussian, not {noise} (use --p)");
        return new Corruption(noise == "mask" ? NoiseKind.Mask : NoiseKind.SaltPepper, args.Double("p", 0.25, 0, 1));
    }

    /// <summary>reconstructions.png in three rows: corrupted input, reconstruction, clean image.</summary>
    public override IReadOnlyList<string> Pictures(Model<float> model, DataSplit data, string outDir)
    {
        DenoisingPictures.Save((DenoisingAutoencoder<float>)model, data.Test, Path.Combine(outDir, "reconstructions.png"));
        return ["reconstructions.png"];
    }
}
