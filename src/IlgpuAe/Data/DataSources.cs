namespace IlgpuAe.Data;

/// <summary>
/// What `--data` may name: nothing (the system Fashion-MNIST, else the embedded set), a directory of
/// Fashion-MNIST IDX files, or a directory of NumPy arrays train.npy and test.npy (with optional
/// train_labels.npy and test_labels.npy).
/// </summary>
public static class DataSources
{
    /// <summary>Loads the split <paramref name="directory"/> names (null: the system Fashion-MNIST, else the embedded test set); throws <see cref="IlgpuAeException"/> when it does not exist or holds neither format.</summary>
    public static DataSplit Load(string? directory)
    {
        if (directory is null) return FashionMnist.Load();
        if (!Directory.Exists(directory)) throw new IlgpuAeException($"data directory '{directory}' does not exist.");
        string train = Path.Combine(directory, "train.npy"), test = Path.Combine(directory, "test.npy");
        if (!Path.Exists(train) && !Path.Exists(test)) return FashionMnist.Load(directory);
        if (!Path.Exists(train) || !Path.Exists(test))
            throw new IlgpuAeException($"data directory '{directory}' has {(Path.Exists(train) ? "train.npy but no test.npy" : "test.npy but no train.npy")}.");
        string? Labels(string stem) => Path.Exists(Path.Combine(directory, stem)) ? Path.Combine(directory, stem) : null;
        var trainSet = Npy.LoadImages(train, Labels("train_labels.npy"), "train.npy");
        var testSet = Npy.LoadImages(test, Labels("test_labels.npy"), "test.npy");
        if (trainSet.Features != testSet.Features)
            throw new IlgpuAeException($"train.npy has {trainSet.Features} features per row but test.npy has {testSet.Features}.");
        return new DataSplit(trainSet, testSet, $"{directory} (.npy)");
    }
}
