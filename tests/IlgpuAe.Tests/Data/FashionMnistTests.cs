using IlgpuAe.Data;
using Xunit;

namespace IlgpuAe.Tests.Data;

public sealed class FashionMnistTests
{
    // Decoding 10 000 images takes a moment: share one load among the tests.
    private static readonly Lazy<DataSplit> Embedded = new(FashionMnist.LoadEmbedded);

    [Fact]
    public void The_embedded_set_splits_into_8000_training_and_2000_test_images_of_28_by_28()
    {
        var split = Embedded.Value;
        Assert.Equal(8000, split.Train.Count);
        Assert.Equal(2000, split.Test.Count);
        foreach (var d in new[] { split.Train, split.Test })
        {
            Assert.Equal((28, 28, 784, 10), (d.Width, d.Height, d.Features, d.Classes));
            Assert.Equal(d.Count * 784, d.Images.Length);
        }
        Assert.Contains("8000 train / 2000 test", split.Source);
    }

    [Fact]
    public void The_embedded_set_has_unit_pixels_real_contrast_and_labels_of_all_ten_classes()
    {
        var split = Embedded.Value;
        foreach (var d in new[] { split.Train, split.Test })
        {
            Assert.All(d.Images, p => Assert.InRange(p, 0f, 1f));
            Assert.Equal(1f, d.Images.Max());
            Assert.InRange(d.Images.Average(), 0.2, 0.4); // Fashion-MNIST's mean pixel is about 0.29
            Assert.All(d.Labels, l => Assert.True(l < 10));
            Assert.Equal(Enumerable.Range(0, 10).Select(i => (byte)i), d.Labels.Distinct().Order());
        }
    }

    [SkippableFact]
    public void The_embedded_split_is_the_t10k_file_in_order_first_8000_then_last_2000()
    {
        Skip.IfNot(File.Exists(Path.Combine(FashionMnist.SystemDirectory, "t10k-labels-idx1-ubyte.gz")),
            "Debian's dataset-fashion-mnist is not installed: nothing to compare the embedded set against");
        var labels = Idx.Read(Path.Combine(FashionMnist.SystemDirectory, "t10k-labels-idx1-ubyte.gz")).Data;
        var split = Embedded.Value;
        Assert.Equal(labels[..8000], split.Train.Labels);
        Assert.Equal(labels[8000..], split.Test.Labels);
    }

    [Fact]
    public void Loading_a_directory_that_lacks_a_file_names_the_file_and_the_directory()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("train-images-idx3-ubyte.gz"), IdxBytes.Gzip(IdxBytes.Ubyte(2, 28, 28)));
        File.WriteAllBytes(dir.File("train-labels-idx1-ubyte"), IdxBytes.Raw(0x08, [2], [1, 2]));
        File.WriteAllBytes(dir.File("t10k-images-idx3-ubyte"), IdxBytes.Ubyte(1, 28, 28));

        var e = Assert.Throws<IlgpuAeException>(() => FashionMnist.Load(dir.Path));
        Assert.Contains("t10k-labels-idx1-ubyte", e.Message);
        Assert.Contains(dir.Path, e.Message);
    }

    [Fact]
    public void Loading_a_directory_reads_raw_and_gzip_files_alike()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("train-images-idx3-ubyte.gz"), IdxBytes.Gzip(IdxBytes.Ubyte(2, 4, 3)));
        File.WriteAllBytes(dir.File("train-labels-idx1-ubyte"), IdxBytes.Raw(0x08, [2], [1, 2]));
        File.WriteAllBytes(dir.File("t10k-images-idx3-ubyte"), IdxBytes.Ubyte(1, 4, 3));
        File.WriteAllBytes(dir.File("t10k-labels-idx1-ubyte.gz"), IdxBytes.Gzip(IdxBytes.Raw(0x08, [1], [7])));

        var split = FashionMnist.Load(dir.Path);
        Assert.Equal((2, 1), (split.Train.Count, split.Test.Count));
        Assert.Equal((3, 4), (split.Train.Width, split.Train.Height));
        Assert.Equal([7], split.Test.Labels);
        Assert.Equal(dir.Path, split.Source);
    }

    [Fact]
    public void Loading_without_a_directory_uses_the_system_copy_when_complete_and_the_embedded_set_otherwise()
    {
        var split = FashionMnist.Load();
        bool system = new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" }
            .All(f => File.Exists(Path.Combine(FashionMnist.SystemDirectory, f)) || File.Exists(Path.Combine(FashionMnist.SystemDirectory, f + ".gz")));
        if (system)
            Assert.Equal((FashionMnist.SystemDirectory, 60000, 10000), (split.Source, split.Train.Count, split.Test.Count));
        else
            Assert.Equal((8000, 2000), (split.Train.Count, split.Test.Count));
        Assert.Equal(784, split.Train.Features);
    }

    [Fact]
    public void Loading_a_directory_that_does_not_exist_says_so()
    {
        var e = Assert.Throws<IlgpuAeException>(() => FashionMnist.Load("/nonexistent/fashion"));
        Assert.Contains("/nonexistent/fashion", e.Message);
    }
}
