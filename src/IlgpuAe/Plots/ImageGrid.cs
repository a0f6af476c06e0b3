using SkiaSharp;

namespace IlgpuAe.Plots;

/// <summary>Pictures of images side by side: inputs above reconstructions, samples, interpolations.</summary>
public static class ImageGrid
{
    private const int Gap = 1;

    /// <summary>
    /// Writes a PNG with one row of tiles per entry of <paramref name="rows"/>, tiles separated by a 1-pixel gap and
    /// enlarged <paramref name="scale"/> times. An image is <paramref name="channels"/> planes of height × width: 3 are
    /// drawn as one RGB tile, any other count as grayscale planes stacked top to bottom (1: one grayscale tile).
    /// Values are clamped to [0,1]; a NaN (in any channel) shows as a red pixel.
    /// </summary>
    /// <exception cref="IlgpuAeException">The rows are empty or ragged, an image has the wrong size, or the file cannot be written.</exception>
    public static void Save(string path, IReadOnlyList<IReadOnlyList<float[]>> rows, int width, int height, int scale = 2, int channels = 1)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(rows);
        if (width <= 0 || height <= 0 || scale <= 0 || scale > 64 || channels <= 0)
            throw new IlgpuAeException($"image grid '{path}': image size {width}x{height}, channels {channels} and scale {scale} must be positive (scale at most 64).");
        if (rows.Count == 0 || rows[0].Count == 0)
            throw new IlgpuAeException($"image grid '{path}' has no images to draw.");
        int columns = rows[0].Count;
        for (int r = 0; r < rows.Count; r++)
        {
            if (rows[r].Count != columns)
                throw new IlgpuAeException($"image grid '{path}': row {r} has {rows[r].Count} images but row 0 has {columns}.");
            for (int c = 0; c < columns; c++)
                if (rows[r][c] is not { } tile || tile.Length != (long)channels * width * height)
                    throw new IlgpuAeException(
                        $"image grid '{path}': image {c} of row {r} has {rows[r][c]?.Length ?? 0} pixels, not {(channels == 1 ? "" : $"{channels}x")}{width}x{height}.");
        }

        // Planes other than RGB's three are drawn one below the other.
        int bands = channels == 3 ? 1 : channels;
        int tileW = width * scale, tileH = bands * height * scale;
        long pixelsW = (long)columns * (tileW + Gap) + Gap, pixelsH = (long)rows.Count * (tileH + Gap) + Gap;
        if (pixelsW > 16384 || pixelsH > 16384)
            throw new IlgpuAeException($"image grid '{path}' would be {pixelsW}x{pixelsH} pixels, larger than the 16384x16384 allowed.");

        using var bitmap = new SKBitmap(new SKImageInfo((int)pixelsW, (int)pixelsH, SKColorType.Rgba8888, SKAlphaType.Opaque));
        // The gap colour sets the tiles apart from black image backgrounds.
        bitmap.Erase(new SKColor(96, 96, 96));
        for (int r = 0; r < rows.Count; r++)
            for (int c = 0; c < columns; c++)
                if (channels == 3)
                    DrawRgbTile(bitmap, rows[r][c], width, height, scale, Gap + c * (tileW + Gap), Gap + r * (tileH + Gap));
                else
                    for (int band = 0; band < bands; band++)
                        DrawTile(bitmap, rows[r][c].AsSpan(band * width * height, width * height), width, height, scale,
                            Gap + c * (tileW + Gap), Gap + r * (tileH + Gap) + band * height * scale);

        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new IlgpuAeException($"image grid '{path}' could not be encoded as PNG.");
        PlotFiles.WriteAtomically(path, png.ToArray(), "image grid");
    }

    private static byte Level(float v) => (byte)MathF.Round(Math.Clamp(v, 0f, 1f) * 255f);

    /// <summary>One RGB image, planes R, G, B of height × width each.</summary>
    private static void DrawRgbTile(SKBitmap bitmap, float[] image, int width, int height, int scale, int left, int top)
    {
        int plane = width * height;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                float r = image[y * width + x], g = image[plane + y * width + x], b = image[2 * plane + y * width + x];
                var color = float.IsNaN(r) || float.IsNaN(g) || float.IsNaN(b) ? new SKColor(255, 0, 0) : new SKColor(Level(r), Level(g), Level(b));
                for (int dy = 0; dy < scale; dy++)
                    for (int dx = 0; dx < scale; dx++)
                        bitmap.SetPixel(left + x * scale + dx, top + y * scale + dy, color);
            }
    }

    private static void DrawTile(SKBitmap bitmap, ReadOnlySpan<float> image, int width, int height, int scale, int left, int top)
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
