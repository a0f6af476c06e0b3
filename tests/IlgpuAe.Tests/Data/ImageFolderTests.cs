using IlgpuAe.Data;
using SkiaSharp;
using Xunit;

namespace IlgpuAe.Tests.Data;

/// <summary>An image folder (train/ and test/ of PNG or JPEG files, optionally one folder per class) as a data source.</summary>
public sealed class ImageFolderTests : IDisposable
{
    readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    string Train(string relative) => Path.Combine(_dir.Path, "train", relative);
    string Test(string relative) => Path.Combine(_dir.Path, "test", relative);

    static SKColor Colour(int x, int y) => new((byte)(10 * x + 1), (byte)(20 * y + 2), (byte)(x * y + 3));

    static IlgpuAeException Refused(string dir, ImageFolderOptions? options = null) =>
        Assert.Throws<IlgpuAeException>(() => DataSources.Load(dir, options));

    [Fact]
    public void Class_folders_give_sorted_class_names_labels_and_exact_RGB_planes()
    {
        ImageFiles.Write(Train("zebra/1.png"), 3, 2, Colour);
        ImageFiles.Write(Train("apple/1.png"), 3, 2, (_, _) => new SKColor(255, 0, 128));
        ImageFiles.Write(Train("apple/0.png"), 3, 2, Colour);
        ImageFiles.Write(Test("zebra/x.png"), 3, 2, Colour);

        var split = DataSources.Load(_dir.Path);

        var train = split.Train;
        Assert.Equal(["apple", "zebra"], train.ClassNames);
        Assert.Equal((3, 2, 3, 2, 3, 18), (train.Count, train.Classes, train.Channels, train.Height, train.Width, train.Features));
        Assert.Equal([0, 0, 1], train.Labels);          // apple/0, apple/1, zebra/1: classes, then names, in ordinal order
        Assert.Equal([1], split.Test.Labels);
        // Image 0 is apple/0.png: planes R, G, B of 2 rows x 3 columns, each value v/255.
        var expected = new List<float>();
        foreach (var channel in new Func<SKColor, byte>[] { c => c.Red, c => c.Green, c => c.Blue })
            for (int y = 0; y < 2; y++)
                for (int x = 0; x < 3; x++) expected.Add(channel(Colour(x, y)) / 255f);
        Assert.Equal(expected, train.Images[..18]);
        Assert.Equal(255 / 255f, train.Images[18]);      // apple/1: red plane
        Assert.Equal(128 / 255f, train.Images[18 + 12]); // blue plane
        Assert.Contains("image folder, 3x2x3, 2 classes: apple, zebra", split.Source);
    }

    [Fact]
    public void Grayscale_files_read_as_one_channel_and_RGB_as_luma_when_asked()
    {
        ImageFiles.Write(Train("a.png"), 2, 2, (x, y) => new SKColor((byte)(60 * x + y), (byte)(60 * x + y), (byte)(60 * x + y)), type: SKColorType.Gray8);
        ImageFiles.Write(Test("b.png"), 2, 2, (_, _) => new SKColor(200, 100, 50));

        // One RGB file: three channels unless told otherwise.
        Assert.Equal(3, DataSources.Load(_dir.Path).Train.Channels);
        var gray = DataSources.Load(_dir.Path, new ImageFolderOptions(Channels: 1));
        Assert.Equal(1, gray.Train.Channels);
        Assert.Equal([0 / 255f, 60 / 255f, 1 / 255f, 61 / 255f], gray.Train.Images);           // a gray pixel keeps its value
        Assert.Equal((299 * 200 + 587 * 100 + 114 * 50 + 500) / 1000 / 255f, gray.Test.Images[0]); // ITU-R 601 luma
        Assert.Equal(1, gray.Train.Classes);
        Assert.Null(gray.Train.ClassNames);

        File.Delete(Test("b.png"));
        ImageFiles.Write(Test("b.png"), 2, 2, (_, _) => new SKColor(9, 9, 9), type: SKColorType.Gray8);
        Assert.Equal(1, DataSources.Load(_dir.Path).Train.Channels);
    }

    [Fact]
    public void Mixed_sizes_are_refused_unless_resized_and_a_resize_keeps_a_flat_image_flat()
    {
        ImageFiles.Write(Train("a.png"), 4, 4, (_, _) => new SKColor(100, 150, 200));
        ImageFiles.Write(Train("b.png"), 6, 2, (x, _) => x < 3 ? new SKColor(0, 0, 0) : new SKColor(255, 255, 255));
        ImageFiles.Write(Test("c.png"), 4, 4, (_, _) => new SKColor(100, 150, 200));

        var e = Refused(_dir.Path);
        Assert.Contains("b.png' is 6x2", e.Message);
        Assert.Contains("--image-size", e.Message);

        var resized = DataSources.Load(_dir.Path, new ImageFolderOptions(Height: 2, Width: 3));
        Assert.Equal((2, 3, 3), (resized.Train.Height, resized.Train.Width, resized.Train.Channels));
        Assert.All(resized.Test.Images[..6], v => Assert.Equal(100 / 255f, v, 2e-3f));
        Assert.All(resized.Test.Images[12..], v => Assert.Equal(200 / 255f, v, 2e-3f));
        // The half-black, half-white image stays dark on the left and light on the right.
        var b = resized.Train.Images.AsSpan(18, 6).ToArray();
        Assert.True(b[0] < 0.2f && b[2] > 0.8f, string.Join(", ", b));
    }

    [Fact]
    public void A_JPEG_is_read_like_a_PNG()
    {
        ImageFiles.Write(Train("a.jpg"), 8, 8, (_, _) => new SKColor(200, 60, 30), SKEncodedImageFormat.Jpeg);
        ImageFiles.Write(Test("b.JPEG"), 8, 8, (_, _) => new SKColor(200, 60, 30), SKEncodedImageFormat.Jpeg);
        var split = DataSources.Load(_dir.Path);
        Assert.Equal(200 / 255f, split.Train.Images[0], 0.03f);
        Assert.Equal(60 / 255f, split.Train.Images[64], 0.03f);
    }

    [Fact]
    public void A_truncated_PNG_is_one_error_naming_it()
    {
        ImageFiles.Write(Train("good.png"), 8, 8, Colour);
        ImageFiles.Write(Test("cut.png"), 8, 8, Colour);
        var bytes = File.ReadAllBytes(Test("cut.png"));
        File.WriteAllBytes(Test("cut.png"), bytes[..(bytes.Length / 2)]);
        var e = Refused(_dir.Path);
        Assert.Contains("cut.png", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Theory]
    [InlineData("notes.png", "hello, I am text", "is not a readable PNG or JPEG")]
    [InlineData("empty.png", "", "is not a readable PNG or JPEG")]
    [InlineData("notes.txt", "hello", "is not a PNG or JPEG file")]
    public void A_foreign_file_is_one_error_naming_it(string name, string content, string says)
    {
        ImageFiles.Write(Train("good.png"), 4, 4, Colour);
        ImageFiles.Write(Test("good.png"), 4, 4, Colour);
        File.WriteAllText(Train(name), content);
        var e = Refused(_dir.Path);
        Assert.Contains(name, e.Message);
        Assert.Contains(says, e.Message);
    }

    [Fact]
    public void A_GIF_named_png_is_refused_by_its_content()
    {
        ImageFiles.Write(Train("good.png"), 4, 4, Colour);
        ImageFiles.Write(Test("good.png"), 4, 4, Colour);
        // The smallest GIF: a 1x1 image.
        byte[] gif = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");
        File.WriteAllBytes(Train("moving.png"), gif);
        var e = Refused(_dir.Path);
        Assert.Contains("moving.png' holds a Gif image", e.Message);
    }

    [Fact]
    public void Folder_layouts_that_cannot_be_read_are_one_clear_error_each()
    {
        Directory.CreateDirectory(Train(""));
        Assert.Contains("has train/ but no test/", Refused(_dir.Path).Message);
        Directory.CreateDirectory(Test(""));
        Assert.Contains("holds no images", Refused(_dir.Path).Message);
        ImageFiles.Write(Train("cat/1.png"), 4, 4, Colour);
        ImageFiles.Write(Test("dog/1.png"), 4, 4, Colour);
        Assert.Contains("class folder 'dog', which train/ does not have", Refused(_dir.Path).Message);
        Directory.Delete(Test("dog"), true);
        ImageFiles.Write(Test("1.png"), 4, 4, Colour);
        Assert.Contains("holds files but train/ holds class folders", Refused(_dir.Path).Message);
        ImageFiles.Write(Train("loose.png"), 4, 4, Colour);
        Assert.Contains("mixes class folders", Refused(_dir.Path).Message);
        File.Delete(Train("loose.png"));
        Directory.CreateDirectory(Train("empty"));
        Assert.Contains("class folder", Refused(_dir.Path).Message);
        Assert.Contains("empty' holds no images", Refused(_dir.Path).Message);
    }

    [Fact]
    public void Image_options_for_a_source_that_is_not_an_image_folder_are_refused()
    {
        var e = Assert.Throws<IlgpuAeException>(() => DataSources.Load(null, new ImageFolderOptions(Channels: 3)));
        Assert.Contains("apply only to an image folder", e.Message);
    }
}
