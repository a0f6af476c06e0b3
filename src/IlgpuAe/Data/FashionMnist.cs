namespace IlgpuAe.Data;

/// <summary>
/// Fashion-MNIST (28×28 grayscale clothing, 10 classes): from a directory of IDX files, from the
/// system-wide copy, or from the 10 000-image test set embedded in this assembly.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where Debian's dataset-fashion-mnist package installs the files.</summary>
    public const string SystemDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Images of the embedded set that go to training; the rest are the test set.</summary>
    public const int EmbeddedTrainCount = 8000;

    private const string ResourcePrefix = "IlgpuAe.Data.Embedded.";
    private static readonly string[] FileStems =
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>
    /// Loads the four IDX files (each raw or with a .gz suffix) from <paramref name="directory"/>; when no
    /// directory is given, from <see cref="SystemDirectory"/> if all four are there, otherwise the embedded set.
    /// </summary>
    /// <exception cref="IlgpuAeException">The directory lacks a file, or a file is damaged.</exception>
    public static DataSplit Load(string? directory = null)
    {
        if (directory is null)
            return FindFiles(SystemDirectory) is { } system ? LoadFiles(SystemDirectory, system) : LoadEmbedded();

        if (!Directory.Exists(directory))
            throw new IlgpuAeException($"Fashion-MNIST directory '{directory}' does not exist.");
        var paths = new string[FileStems.Length];
        for (int i = 0; i < FileStems.Length; i++)
            paths[i] = FindFile(directory, FileStems[i])
                ?? throw new IlgpuAeException(
                    $"Fashion-MNIST directory '{directory}' has no file '{FileStems[i]}' (or '{FileStems[i]}.gz').");
        return LoadFiles(directory, paths);
    }

    /// <summary>
    /// The embedded Fashion-MNIST test set (10 000 images), split deterministically: the first 8000
    /// images train, the last 2000 test. Needs no file on disk.
    /// </summary>
    public static DataSplit LoadEmbedded()
    {
        const string imagesFile = "t10k-images-idx3-ubyte.gz", labelsFile = "t10k-labels-idx1-ubyte.gz";
        var all = Idx.ToDataset(ReadResource(imagesFile), "embedded " + imagesFile,
            ReadResource(labelsFile), "embedded " + labelsFile, "embedded Fashion-MNIST");
        if (all.Count <= EmbeddedTrainCount)
            throw new IlgpuAeException($"the embedded Fashion-MNIST set has only {all.Count} images, fewer than the {EmbeddedTrainCount} needed for training.");
        int test = all.Count - EmbeddedTrainCount;
        return new DataSplit(
            Rename(all.Slice(0, EmbeddedTrainCount), "Fashion-MNIST train (embedded)"),
            Rename(all.Slice(EmbeddedTrainCount, test), "Fashion-MNIST test (embedded)"),
            $"embedded Fashion-MNIST test set ({EmbeddedTrainCount} train / {test} test)");
    }

    private static Dataset Rename(Dataset d, string name) => new(name, d.Images, d.Labels, d.Width, d.Height, d.Classes);

    private static DataSplit LoadFiles(string directory, string[] paths) => new(
        Idx.LoadImages(paths[0], paths[1], "Fashion-MNIST train"),
        Idx.LoadImages(paths[2], paths[3], "Fashion-MNIST test"),
        directory);

    private static string[]? FindFiles(string directory)
    {
        var paths = new string[FileStems.Length];
        for (int i = 0; i < FileStems.Length; i++)
            if (FindFile(directory, FileStems[i]) is { } path)
                paths[i] = path;
            else
                return null;
        return paths;
    }

    private static string? FindFile(string directory, string stem)
    {
        foreach (var candidate in new[] { stem, stem + ".gz" })
        {
            var path = Path.Combine(directory, candidate);
            if (Path.Exists(path))
                return path;
        }
        return null;
    }

    private static IdxArray ReadResource(string file)
    {
        using var stream = typeof(FashionMnist).Assembly.GetManifestResourceStream(ResourcePrefix + file)
            ?? throw new IlgpuAeException($"the embedded resource '{file}' is missing from the IlgpuAe assembly.");
        return Idx.Read(stream, "embedded " + file);
    }
}
