using IlgpuAe.Plots;
using SkiaSharp;
using Xunit;

namespace IlgpuAe.Tests.Data;

public sealed class PlotTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static SKBitmap DecodePng(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(PngSignature, bytes[..8]);
        return SKBitmap.Decode(bytes) ?? throw new Xunit.Sdk.XunitException("SkiaSharp could not decode the PNG");
    }

    [Fact]
    public void ImageGrid_writes_a_png_of_scaled_tiles_with_one_pixel_gaps_and_red_for_NaN()
    {
        float[] Image(float v) => Enumerable.Repeat(v, 4 * 3).ToArray();
        var withNaN = Image(0.5f);
        withNaN[0] = float.NaN;
        var rows = new List<IReadOnlyList<float[]>>
        {
            new[] { Image(0f), Image(1f), Image(2f) },      // 2 is clamped to white
            new[] { Image(-1f), withNaN, Image(0.5f) },
        };
        var path = _dir.File("grid.png");
        ImageGrid.Save(path, rows, width: 4, height: 3, scale: 2);

        using var bitmap = DecodePng(path);
        Assert.Equal(3 * (4 * 2 + 1) + 1, bitmap.Width);
        Assert.Equal(2 * (3 * 2 + 1) + 1, bitmap.Height);
        Assert.Equal(new SKColor(0, 0, 0), bitmap.GetPixel(1, 1));               // row 0, tile 0
        Assert.Equal(new SKColor(255, 255, 255), bitmap.GetPixel(1 + 9, 1));     // row 0, tile 1
        Assert.Equal(new SKColor(255, 255, 255), bitmap.GetPixel(8 + 18, 6));    // clamped, last pixel of tile 2
        Assert.Equal(new SKColor(0, 0, 0), bitmap.GetPixel(1, 8));               // row 1, tile 0 clamped to black
        Assert.Equal(new SKColor(255, 0, 0), bitmap.GetPixel(10, 8));            // NaN, scaled 2x2
        Assert.Equal(new SKColor(255, 0, 0), bitmap.GetPixel(11, 9));
        Assert.Equal(new SKColor(128, 128, 128), bitmap.GetPixel(12, 8));
        Assert.NotEqual(bitmap.GetPixel(1, 1), bitmap.GetPixel(0, 0));            // the gap
    }

    [Fact]
    public void ImageGrid_draws_three_channel_images_in_colour_and_other_counts_as_stacked_gray_planes()
    {
        // 2x1 images: planes R, G, B of two pixels each.
        float[] rgb = [1f, 0f, 0.5f, 0f, 0f, 1f];
        float[] withNaN = [1f, 0f, float.NaN, 0f, 0f, 1f];
        var path = _dir.File("rgb.png");
        ImageGrid.Save(path, [new[] { rgb, withNaN }], width: 2, height: 1, scale: 1, channels: 3);
        using (var bitmap = DecodePng(path))
        {
            Assert.Equal((2 * 3 + 1, 1 + 2), (bitmap.Width, bitmap.Height));
            Assert.Equal(new SKColor(255, 128, 0), bitmap.GetPixel(1, 1));
            Assert.Equal(new SKColor(0, 0, 255), bitmap.GetPixel(2, 1));
            Assert.Equal(new SKColor(255, 0, 0), bitmap.GetPixel(4, 1)); // a NaN in one channel is a red pixel
            Assert.Equal(new SKColor(0, 0, 255), bitmap.GetPixel(5, 1));
        }
        var planes = _dir.File("planes.png");
        ImageGrid.Save(planes, [new[] { new[] { 0f, 1f, 0.5f, 0.25f } }], width: 2, height: 1, scale: 1, channels: 2);
        using (var bitmap = DecodePng(planes))
        {
            Assert.Equal((2 + 2, 2 + 2), (bitmap.Width, bitmap.Height));
            Assert.Equal(new SKColor(255, 255, 255), bitmap.GetPixel(2, 1));
            Assert.Equal(new SKColor(128, 128, 128), bitmap.GetPixel(1, 2));
        }
        var wrong = new List<IReadOnlyList<float[]>> { new[] { new float[4] } };
        Assert.Contains("not 3x2x1", Assert.Throws<IlgpuAeException>(() => ImageGrid.Save(path, wrong, 2, 1, channels: 3)).Message);
    }

    [Fact]
    public void ImageGrid_refuses_ragged_rows_and_wrongly_sized_images()
    {
        var path = _dir.File("bad.png");
        var ragged = new List<IReadOnlyList<float[]>> { new[] { new float[4], new float[4] }, new[] { new float[4] } };
        Assert.Contains("row 1 has 1 images", Assert.Throws<IlgpuAeException>(() => ImageGrid.Save(path, ragged, 2, 2)).Message);
        var wrong = new List<IReadOnlyList<float[]>> { new[] { new float[5] } };
        Assert.Contains("5 pixels", Assert.Throws<IlgpuAeException>(() => ImageGrid.Save(path, wrong, 2, 2)).Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void LossPlot_writes_a_png_of_the_requested_size()
    {
        var path = _dir.File("loss.png");
        LossPlot.Save(path, "VAE on Fashion-MNIST", "loss (nats)",
            [("train", [260.0, 250.5, 245.25, 243.0]), ("test", [262.0, 253.0, double.NaN, 246.5])], width: 500, height: 300);

        using var bitmap = DecodePng(path);
        Assert.Equal((500, 300), (bitmap.Width, bitmap.Height));
        // A drawn chart is not one flat colour.
        Assert.True(Enumerable.Range(0, 300).Select(y => bitmap.GetPixel(250, y)).Distinct().Count() > 2);
    }

    [Fact]
    public void LossPlot_with_no_values_says_there_is_nothing_to_draw()
    {
        var e = Assert.Throws<IlgpuAeException>(() => LossPlot.Save(_dir.File("x.png"), "t", "y", [("a", [])]));
        Assert.Contains("no values", e.Message);
    }
}
