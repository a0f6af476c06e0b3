namespace IlgpuAe.Data;

/// <summary>
/// What `--data` may name: nothing (the system Fashion-MNIST, else the embedded set), a directory of
/// Fashion-MNIST IDX files, a directory of NumPy arrays train.npy and test.npy (with optional
/// train_labels.npy and test_labels.npy), or an image folder with train/ and test/ subfolders (<see cref="ImageFolder"/>).
/// </summary>
public static class DataSources
{
    /// <summary>Loads the split <paramref name="directory"/> names (null: the system Fashion-MNIST, else the embedded test set); throws <see cref="IlgpuAeException"/> when it does not exist or holds neither format.</summary>
    public static DataSplit Load(string? directory) => Load(directory, null);

    /// <summary>Whether <paramref name="directory"/> is read as an image folder: it exists, has train/ or test/, and no train.npy or test.npy.</summary>
    public static bool IsImageFolder(string? directory) =>
        directory is not null && Directory.Exists(directory) && ImageFolder.Is(directory)
        && !Path.Exists(Path.Combine(directory, "train.npy")) && !Path.Exists(Path.Combine(directory, "test.npy"));

    /// <summary>
    /// As <see cref="Load(string?)"/>; <paramref name="images"/> (resize, channels) applies to an image folder only, and
    /// naming it for another source is an error.
    /// </summary>
    public static DataSplit Load(string? directory, ImageFolderOptions? images)
    {
        IlgpuAeException NotImages() => new(
            $"the image size and channel options apply only to an image folder (a --data directory with train/ and test/ subfolders), not to {directory ?? "the default Fashion-MNIST"}.");
        if (directory is null) return images is null ? FashionMnist.Load() : throw NotImages();
        if (!Directory.Exists(directory)) throw new IlgpuAeException($"data directory '{directory}' does not exist.");
        string train = Path.Combine(directory, "train.npy"), test = Path.Combine(directory, "test.npy");
        bool npy = Path.Exists(train) || Path.Exists(test);
        if (!npy && ImageFolder.Is(directory)) return ImageFolder.Load(directory, images);
        if (images is not null) throw NotImages();
        if (!npy) return FashionMnist.Load(directory);
        if (!Path.Exists(train) || !Path.Exists(test))
            throw new IlgpuAeException($"data directory '{directory}' has {(Path.Exists(train) ? "train.npy but no test.npy" : "test.npy but no train.npy")}.");
        string? Labels(string stem) => Path.Exists(Path.Combine(directory, stem)) ? Path.Combine(directory, stem) : null;
        var trainSet = Npy.LoadImages(train, Labels("train_labels.npy"), "train.npy");
        var testSet = Npy.LoadImages(test, Labels("test_labels.npy"), "test.npy");
        if (trainSet.Features != testSet.Features)
            throw new IlgpuAeException($"train.npy has {trainSet.Features} features per row but test.npy has {testSet.Features}.");
        if (trainSet.ShapeText != testSet.ShapeText)
            throw new IlgpuAeException($"train.npy holds images of {trainSet.ShapeText} (channels x height x width) but test.npy holds {testSet.ShapeText}.");
        return new DataSplit(trainSet, testSet, $"{directory} (.npy)");
    }
}
