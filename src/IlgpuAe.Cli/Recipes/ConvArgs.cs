using IlgpuAe.Data;
using IlgpuAe.Models;

namespace IlgpuAe.Cli.Recipes;

/// <summary>`--arch mlp|conv` and the convolutional architecture's options, one set per recipe that offers them.</summary>
public sealed class ConvArgs
{
    public readonly CliOption<string> Arch = Opt.Choice("arch",
        "dense layers, or convolutions: Conv2d(--kernel, stride 2, padding 1) + activation per --channels, then --dense, then the " +
        "model's heads; the decoder mirrors it with ConvTranspose2d", "mlp", "mlp", "conv");
    public readonly CliOption<int[]> Channels = Opt.IntList("channels", "channels of the encoder's convolutions (--arch conv)", [32, 64]);
    public readonly CliOption<int> Kernel = Opt.Int("kernel", "kernel size of every (transposed) convolution (--arch conv)", 4, 1, 64, "K");
    public readonly CliOption<int> Dense = Opt.Int("dense", "the dense layer between the convolutions and the code (--arch conv)", 256, 1, 1 << 16);
    public readonly CliOption<string> Norm = Opt.Choice("norm",
        "normalisation after every (transposed) convolution but the last, before its activation: BatchNorm2d (running statistics " +
        "for evaluation, kept in checkpoints) or GroupNorm(--groups) (--arch conv)", "none", "none", "batch", "group");
    public readonly CliOption<int> Groups = Opt.Int("groups", $"channel groups of --norm group; must divide every --channels entry", ConvOptions.DefaultGroups, 1, 1 << 16, "G");

    /// <summary>The options, for a recipe's option list.</summary>
    public IEnumerable<ICliOption> All => [Arch, Channels, Kernel, Dense, Norm, Groups];

    /// <summary>The convolutional options for images of <paramref name="train"/>, or null for `--arch mlp`; UsageException for misuse.</summary>
    public ConvOptions? Parse(Args args, Dataset train, CliOption<int[]>? hidden)
    {
        if (args.Get(Arch) != "conv")
        {
            foreach (var option in new ICliOption[] { Channels, Kernel, Dense, Norm, Groups })
                if (args.Has(option.Option)) throw new UsageException($"--{option.Key} applies only to --arch conv");
            return null;
        }
        if (hidden is not null && args.Has(hidden))
            throw new UsageException("--hidden applies only to --arch mlp (use --channels and --dense with --arch conv)");
        var norm = args.Get(Norm) switch { "batch" => Modules.Normalization.Batch, "group" => Modules.Normalization.Group, _ => Modules.Normalization.None };
        if (args.Has(Groups) && norm != Modules.Normalization.Group) throw new UsageException("--groups applies only to --norm group");
        var options = new ConvOptions
        {
            Channels = args.Get(Channels),
            Kernel = args.Get(Kernel),
            Dense = args.Get(Dense),
            ImageChannels = train.Channels,
            Height = train.Height,
            Width = train.Width,
            Norm = norm,
            Groups = args.Has(Groups) ? args.Get(Groups) : null,
        };
        try
        {
            options.Validate(train.Features);
        }
        catch (IlgpuAeException e)
        {
            throw new UsageException(OptionFlags.Map(e));
        }
        return options;
    }
}
