using SkiaSharp;

namespace IlgpuAe.Tests.Data;

/// <summary>Tiny generated images written as real PNG or JPEG files, for the image-folder loader's tests.</summary>
public static class ImageFiles
{
    /// <summary>Writes a width × height image whose pixel (x, y) is <paramref name="color"/>(x, y), encoded as <paramref name="format"/>.</summary>
    public static void Write(string path, int width, int height, Func<int, int, SKColor> color,
        SKEncodedImageFormat format = SKEncodedImageFormat.Png, SKColorType type = SKColorType.Rgba8888)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, type, SKAlphaType.Opaque));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                bitmap.SetPixel(x, y, color(x, y));
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>
    /// A folder <paramref name="root"/>/{train,test}/{class}/NN.png of <paramref name="perClass"/> 8x8 RGB images per class: class k is
    /// one strong colour (red, green, blue, ...) with a seeded pattern, so that a model has something to learn.
    /// </summary>
    public static void ClassFolder(string root, int perClass, int classes = 2, int side = 8, int testPerClass = 2)
    {
        var random = new Random(7);
        SKColor[] bases = [new(220, 40, 40), new(40, 200, 60), new(50, 60, 230), new(230, 220, 40)];
        foreach (var (split, count) in new[] { ("train", perClass), ("test", testPerClass) })
            for (int k = 0; k < classes; k++)
                for (int i = 0; i < count; i++)
                {
                    int shift = random.Next(side);
                    var b = bases[k % bases.Length];
                    Write(Path.Combine(root, split, $"class{k}", $"{i:D2}.png"), side, side,
                        (x, y) => (x + shift) % side < side / 2 ? b : new SKColor((byte)(b.Red / 3), (byte)(b.Green / 3), (byte)(b.Blue / 3)));
                }
    }
}
