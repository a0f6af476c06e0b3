using System.Globalization;
using IlgpuAe.Data;

namespace IlgpuAe.Cli;

/// <summary>`--image-size HxW` and `--channels-in 1|3`: how an image folder given with --data is read (train and eval).</summary>
public sealed class ImageArgs
{
    public readonly CliOption<string?> Size = Opt.Text("image-size",
        "resize every image of an image folder (--data DIR with train/ and test/) to H rows by W columns; without it all images must have one size", "HxW");
    public readonly CliOption<string?> Channels = Opt.OptionalChoice("channels-in",
        "read an image folder as grayscale (1) or RGB (3) (default: 1 when every image is stored grayscale, else 3)", "1", "3");

    /// <summary>The options, for a command's option list.</summary>
    public IEnumerable<ICliOption> All => [Size, Channels];

    /// <summary>The split --data names, read with these options; UsageException for a malformed --image-size.</summary>
    public DataSplit Load(Args args, string? directory)
    {
        var size = args.Get(Size);
        var channels = args.Get(Channels);
        if (size is null && channels is null) return DataSources.Load(directory);
        if (!DataSources.IsImageFolder(directory) && (directory is null || Directory.Exists(directory)))
            throw new UsageException($"--{(size is not null ? Size.Key : Channels.Key)} applies only to an image folder (--data DIR with train/ and test/ subfolders)");
        int? height = null, width = null;
        if (size is not null)
        {
            var parts = size.Split('x', 'X');
            if (parts.Length != 2 || !Side(parts[0], out int h) || !Side(parts[1], out int w))
                throw new UsageException($"--image-size '{size}' is not HxW with H and W whole numbers in 1..{Training.RunLimits.MaxImageSide}, e.g. 28x28");
            (height, width) = (h, w);
        }
        return DataSources.Load(directory, new ImageFolderOptions(height, width, channels is null ? null : int.Parse(channels, CultureInfo.InvariantCulture)));
    }

    static bool Side(string text, out int side) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out side) && side >= 1 && side <= Training.RunLimits.MaxImageSide;
}
