using SkiaSharp;
using IlgpuAe.Files;

namespace IlgpuAe.Data;

/// <summary>How an image folder is read: the size every image is resized to (null: as stored, all alike) and the channels (null: 1 when every image is stored grayscale, else 3).</summary>
/// <param name="Height">Rows every image is resized to, with <paramref name="Width"/>; null keeps the stored size.</param>
/// <param name="Width">Columns every image is resized to.</param>
/// <param name="Channels">1 (grayscale, ITU-R 601 luma) or 3 (RGB); null picks 1 when every file is stored grayscale, else 3.</param>
public sealed record ImageFolderOptions(int? Height = null, int? Width = null, int? Channels = null)
{
    /// <summary>No resize, channels from the files.</summary>
    public static readonly ImageFolderOptions Default = new();
}

/// <summary>
/// A directory with <c>train/</c> and <c>test/</c> subfolders of PNG or JPEG files, decoded with SkiaSharp. A split holds its
/// images directly (every label 0, one class) or in one subfolder per class (classes named by the folder names of
/// <c>train/</c>, sorted ordinally; <c>test/</c> may hold fewer). Files are read in ordinal name order. Hidden entries
/// (a name starting with '.') are skipped; any other file must be a PNG or JPEG by name and content. Alpha is ignored.
/// All headers are checked before any pixel is decoded, and the arrays are built whole or not at all: a damaged,
/// truncated or foreign file, an empty folder or images of different sizes without a resize is one error naming it.
/// </summary>
public static class ImageFolder
{
    /// <summary>File extensions read, compared case-insensitively.</summary>
    public static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];

    /// <summary>Largest image file read (bytes): a bigger one is not a training image.</summary>
    public const long MaxFileBytes = 1L << 28;

    /// <summary>Largest stored image decoded, in pixels (a header claiming more is refused before any memory is spent).</summary>
    public const long MaxStoredPixels = 1L << 26;

    /// <summary>Whether <paramref name="directory"/> looks like an image folder: it has a train/ or a test/ subfolder.</summary>
    public static bool Is(string directory) =>
        Directory.Exists(Path.Combine(directory, "train")) || Directory.Exists(Path.Combine(directory, "test"));

    /// <summary>Loads both splits; throws <see cref="IlgpuAeException"/> naming the folder or file at the first problem.</summary>
    public static DataSplit Load(string directory, ImageFolderOptions? options = null)
    {
        options ??= ImageFolderOptions.Default;
        if (options.Channels is not (null or 1 or 3))
            throw new IlgpuAeException($"image folder '{directory}': channels must be 1 (grayscale) or 3 (RGB), got {options.Channels}.");
        if (options.Height.HasValue != options.Width.HasValue || options.Height <= 0 || options.Width <= 0)
            throw new IlgpuAeException($"image folder '{directory}': a resize needs a positive height and width, got {options.Height}x{options.Width}.");
        string trainDir = Path.Combine(directory, "train"), testDir = Path.Combine(directory, "test");
        if (!Directory.Exists(trainDir) || !Directory.Exists(testDir))
            throw new IlgpuAeException($"image folder '{directory}' has {(Directory.Exists(trainDir) ? "train/ but no test/" : "test/ but no train/")}; it needs both.");

        var (trainFiles, classes) = List(trainDir, false, null);
        var (testFiles, _) = List(testDir, true, classes);
        var headers = trainFiles.Concat(testFiles).Select(Header).ToList();

        int channels = options.Channels ?? (headers.All(h => h.Gray) ? 1 : 3);
        var first = headers[0];
        int height = options.Height ?? first.Height, width = options.Width ?? first.Width;
        if (options.Height is null && headers.FirstOrDefault(h => h.Height != height || h.Width != width) is { } other)
            throw new IlgpuAeException(
                $"image '{other.Path}' is {other.Width}x{other.Height} (width x height) but '{first.Path}' is {width}x{height}; " +
                "pass --image-size HxW to resize every image to one size.");
        long features = (long)channels * height * width;
        if (features * headers.Count * sizeof(float) > Npy.MaxDataBytes)
            throw new IlgpuAeException(
                $"image folder '{directory}': {headers.Count} images of {channels}x{height}x{width} need more than the 1 GiB this loader accepts; use a smaller --image-size.");

        var names = classes ?? ["all"];
        var train = Decode("train", headers.Take(trainFiles.Count).ToList(), channels, height, width, names, classes is not null);
        var test = Decode("test", headers.Skip(trainFiles.Count).ToList(), channels, height, width, names, classes is not null);
        string labelled = classes is null ? "unlabelled" : $"{classes.Count} classes: {string.Join(", ", classes.Take(8))}{(classes.Count > 8 ? ", ..." : "")}";
        return new DataSplit(train, test, $"{directory} (image folder, {channels}x{height}x{width}, {labelled})");
    }

    /// <summary>One image file and its label.</summary>
    sealed record Entry(string Path, byte Label);

    /// <summary>What a file's header says, checked.</summary>
    sealed record Info(string Path, byte Label, int Width, int Height, bool Gray);

    /// <summary>
    /// The split's files with their labels, and its class names when it holds class folders. For test/
    /// (<paramref name="isTest"/>), <paramref name="trainClasses"/> are the classes its folders must come from (null: train/ has none).
    /// </summary>
    static (List<Entry> Files, List<string>? Classes) List(string split, bool isTest, List<string>? trainClasses)
    {
        var entries = Visible(split).ToList();
        var dirs = entries.Where(e => Directory.Exists(e)).ToList();
        var files = entries.Where(e => !Directory.Exists(e)).ToList();
        if (dirs.Count > 0 && files.Count > 0)
            throw new IlgpuAeException($"image folder '{split}' mixes class folders ('{Path.GetFileName(dirs[0])}') with files ('{files[0]}'); put every image in a class folder or none.");
        if (dirs.Count == 0)
        {
            if (files.Count == 0) throw new IlgpuAeException($"image folder '{split}' holds no images.");
            if (isTest && trainClasses is not null)
                throw new IlgpuAeException($"image folder '{split}' holds files but train/ holds class folders; give test/ the same class folders.");
            return (files.Select(f => new Entry(CheckName(f), 0)).ToList(), null);
        }
        var names = dirs.Select(d => Path.GetFileName(d)!).ToList();
        if (isTest)
        {
            if (trainClasses is null)
                throw new IlgpuAeException($"image folder '{split}' holds class folders but train/ holds files; use class folders in both or in neither.");
            if (names.FirstOrDefault(n => !trainClasses.Contains(n)) is { } stranger)
                throw new IlgpuAeException($"image folder '{split}' has the class folder '{stranger}', which train/ does not have.");
        }
        else if (names.Count > 256)
            throw new IlgpuAeException($"image folder '{split}' has {names.Count} class folders; at most 256 classes are supported.");
        var classes = isTest ? trainClasses! : names;
        var result = new List<Entry>();
        foreach (var dir in dirs)
        {
            var inside = Visible(dir).ToList();
            if (inside.FirstOrDefault(Directory.Exists) is { } nested)
                throw new IlgpuAeException($"class folder '{dir}' holds the folder '{Path.GetFileName(nested)}'; a class folder holds images only.");
            if (inside.Count == 0) throw new IlgpuAeException($"class folder '{dir}' holds no images.");
            byte label = (byte)classes.IndexOf(Path.GetFileName(dir)!);
            result.AddRange(inside.Select(f => new Entry(CheckName(f), label)));
        }
        return (result, isTest ? null : names);
    }

    /// <summary>Entries of a folder that are not hidden, in ordinal name order (the same on every machine).</summary>
    static IEnumerable<string> Visible(string dir) =>
        Directory.EnumerateFileSystemEntries(dir).Where(e => !Path.GetFileName(e).StartsWith('.')).Order(StringComparer.Ordinal);

    static string CheckName(string file) =>
        Extensions.Contains(Path.GetExtension(file).ToLowerInvariant()) ? file
            : throw new IlgpuAeException($"'{file}' is not a PNG or JPEG file (.png, .jpg, .jpeg); an image folder holds images only.");

    /// <summary>Reads and checks the header alone: the format by content, the size within limits.</summary>
    static Info Header(Entry e)
    {
        using var codec = Open(e.Path);
        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0 || (long)info.Width * info.Height > MaxStoredPixels)
            throw new IlgpuAeException($"image '{e.Path}' claims a size of {info.Width}x{info.Height}, outside 1..{MaxStoredPixels} pixels.");
        return new Info(e.Path, e.Label, info.Width, info.Height, info.ColorType == SKColorType.Gray8);
    }

    /// <summary>A decoder of the file, which must be a PNG or a JPEG by its content (a GIF or a text file named .png is refused).</summary>
    static SKCodec Open(string path)
    {
        byte[] bytes;
        using (var file = RegularFile.OpenRead(path, "image"))
        {
            if (file.Length > MaxFileBytes)
                throw new IlgpuAeException($"image '{path}' is {file.Length} bytes, more than the {MaxFileBytes} an image file may have.");
            bytes = new byte[file.Length];
            try
            {
                file.ReadExactly(bytes);
            }
            catch (IOException x)
            {
                throw new IlgpuAeException($"image '{path}' cannot be read: {x.Message}", x);
            }
        }
        // The codec owns the stream it reads and frees it with itself.
        var codec = SKCodec.Create(new SKMemoryStream(bytes), out var result);
        if (codec is null)
            throw new IlgpuAeException($"'{path}' is not a readable PNG or JPEG image ({Describe(result)}).");
        if (codec.EncodedFormat is not (SKEncodedImageFormat.Png or SKEncodedImageFormat.Jpeg))
        {
            var format = codec.EncodedFormat;
            codec.Dispose();
            throw new IlgpuAeException($"'{path}' holds a {format} image, not a PNG or JPEG.");
        }
        return codec;
    }

    /// <summary>The split's pixels, [N, C, H, W] in [0, 1]; every file decoded whole (a truncated one is refused), resized if its size differs.</summary>
    static Dataset Decode(string name, List<Info> files, int channels, int height, int width, List<string> classes, bool labelled)
    {
        int plane = height * width;
        var pixels = new float[(long)files.Count * channels * plane];
        var labels = new byte[files.Count];
        var target = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        for (int n = 0; n < files.Count; n++)
        {
            var f = files[n];
            using var codec = Open(f.Path);
            var stored = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            if (stored.Width != f.Width || stored.Height != f.Height)
                throw new IlgpuAeException($"image '{f.Path}' changed while it was being read.");
            using var bitmap = new SKBitmap(stored);
            var result = codec.GetPixels(stored, bitmap.GetPixels());
            // IncompleteInput is Skia's answer for a truncated file: it would fill the rest, which must not train.
            if (result != SKCodecResult.Success)
                throw new IlgpuAeException($"image '{f.Path}' is damaged or truncated ({Describe(result)}).");
            using var sized = stored.Width == width && stored.Height == height ? null
                : bitmap.Resize(target, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
                  ?? throw new IlgpuAeException($"image '{f.Path}' could not be resized to {width}x{height}.");
            var rgba = (sized ?? bitmap).GetPixelSpan();
            var dst = pixels.AsSpan(n * channels * plane, channels * plane);
            for (int p = 0; p < plane; p++)
            {
                int r = rgba[4 * p], g = rgba[4 * p + 1], b = rgba[4 * p + 2];
                if (channels == 3)
                {
                    dst[p] = r / 255f;
                    dst[plane + p] = g / 255f;
                    dst[2 * plane + p] = b / 255f;
                }
                else
                    // ITU-R 601 luma in integers (as PIL's convert("L")), so a gray pixel keeps its exact value.
                    dst[p] = (299 * r + 587 * g + 114 * b + 500) / 1000 / 255f;
            }
            labels[n] = f.Label;
        }
        return new Dataset(name, pixels, labels, width, height, classes.Count, channels, labelled ? classes : null);
    }

    static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "the file ends before the image does",
        SKCodecResult.ErrorInInput => "its data is corrupt",
        SKCodecResult.InvalidInput => "its header is invalid",
        SKCodecResult.Unimplemented => "an encoding SkiaSharp cannot decode",
        _ => $"SkiaSharp: {result}",
    };
}
