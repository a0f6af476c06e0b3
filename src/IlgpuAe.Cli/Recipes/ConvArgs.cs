using IlgpuAe.Data;
using IlgpuAe.Models;

namespace IlgpuAe.Cli.Recipes;

/// <summary>`--arch mlp|conv` and the convolutional architecture's options, shared by the recipes that offer it.</summary>
public static class ConvArgs
{
    public static readonly string[] Options = ["arch", "channels", "kernel", "dense"];

    public const string Help = "\n" + """
          --arch mlp|conv             dense layers (default) or convolutions: Conv2d(k, stride 2, padding 1) + act per
                                      --channels, then --dense, the code; the decoder mirrors it with ConvTranspose2d
          --channels 32,64            channels of the encoder's convolutions (--arch conv; default 32,64)
          --kernel K                  kernel size of every (transposed) convolution (--arch conv; default 4)
          --dense N                   the dense layer between convolutions and code (--arch conv; default 256)
        """;

    /// <summary>The convolutional options for images of <paramref name="train"/>, or null for `--arch mlp`; UsageException for misuse.</summary>
    public static ConvOptions? Parse(Args args, Dataset train)
    {
        bool conv = args.Choice("arch", "mlp", "mlp", "conv") == "conv";
        if (!conv)
        {
            foreach (var name in Options.Skip(1))
                if (args.Has(name)) throw new UsageException($"--{name} applies only to --arch conv");
            return null;
        }
        if (args.Has("hidden")) throw new UsageException("--hidden applies only to --arch mlp (use --channels and --dense with --arch conv)");
        int plane = train.Width * train.Height;
        var options = new ConvOptions
        {
            Channels = args.IntList("channels", [32, 64]),
            Kernel = args.Int("kernel", 4, 1, 64),
            Dense = args.Int("dense", 256, 1, 1 << 16),
            ImageChannels = plane > 0 ? train.Features / plane : 0,
            Height = train.Height,
            Width = train.Width,
        };
        try
        {
            options.Validate(train.Features);
        }
        catch (IlgpuAeException e)
        {
            throw new UsageException(e.Message);
        }
        return options;
    }
}
