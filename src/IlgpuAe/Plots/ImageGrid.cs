using SkiaSharp;

namespace IlgpuAe.Plots;

/// <summary>Pictures of images side by side: inputs above reconstructions, samples, interpolations.</summary>
public static class ImageGrid
{
    private const int Gap = 1;

    /// <summary>
    /// Writes a PNG with one row of grayscale tiles per entry of <paramref name="rows"/>, tiles separated by a
    /// 1-pixel gap and enlarged <paramref name="scale"/> times. Pixels are clamped to [0,1]; NaN shows as red.
    /// </summary>
    /// <exception cref="IlgpuAeException">The rows are empty or ragged, an image has the wrong size, or the file cannot be written.</exception>
    public static void Save(string path, IReadOnlyList<IReadOnlyList<float[]>> rows, int width, int height, int scale = 2)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(rows);
        if (width <= 0 || height <= 0 || scale <= 0 || scale > 64)
            throw new IlgpuAeException($"image grid '{path}': image size {width}x{height} and scale {scale} must be positive (scale at most 64).");
        if (rows.Count == 0 || rows[0].Count == 0)
            throw new IlgpuAeException($"image grid '{path}' has no images to draw.");
        int columns = rows[0].Count;
        for (int r = 0; r < rows.Count; r++)
        {
            if (rows[r].Count != columns)
                throw new IlgpuAeException($"image grid '{path}': row {r} has {rows[r].Count} images but row 0 has {columns}.");
            for (int c = 0; c < columns; c++)
                if (rows[r][c] is not { } tile || tile.Length != width * height)
                    throw new IlgpuAeException(
                        $"image grid '{path}': image {c} of row {r} has {rows[r][c]?.Length ?? 0} pixels, not {width}x{height}.");
        }

        int tileW = width * scale, tileH = height * scale;
        long pixelsW = (long)columns * (tileW + Gap) + Gap, pixelsH = (long)rows.Count * (tileH + Gap) + Gap;
        if (pixelsW > 16384 || pixelsH > 16384)
            throw new IlgpuAeException($"image grid '{path}' would be {pixelsW}x{pixelsH} pixels, larger than the 16384x16384 allowed.");

        using var bitmap = new SKBitmap(new SKImageInfo((int)pixelsW, (int)pixelsH, SKColorType.Rgba8888, SKAlphaType.Opaque));
        // The gap colour sets the tiles apart from black image backgrounds.
        bitmap.Erase(new SKColor(96, 96, 96));
        for (int r = 0; r < rows.Count; r++)
            for (int c = 0; c < columns; c++)
                DrawTile(bitmap, rows[r][c], width, height, scale, Gap + c * (tileW + Gap), Gap + r * (tileH + Gap));

        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new IlgpuAeException($"image grid '{path}' could not be encoded as PNG.");
        PlotFiles.WriteAtomically(path, png.ToArray(), "image grid");
    }

    private static void DrawTile(SKBitmap bitmap, float[] image, int width, int height, int scale, int left, int top)
    {
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                float v = image[y * width + x];
                SKColor color;
                if (float.IsNaN(v))
                    color = new SKColor(255, 0, 0);
                else
                {
                    byte g = (byte)MathF.Round(Math.Clamp(v, 0f, 1f) * 255f);
                    color = new SKColor(g, g, g);
                }
                for (int dy = 0; dy < scale; dy++)
                    for (int dx = 0; dx < scale; dx++)
                        bitmap.SetPixel(left + x * scale + dx, top + y * scale + dy, color);
            }
    }
}
