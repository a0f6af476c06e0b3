using IlgpuAe.Diagnostics;
using System.Numerics;
using IlgpuAe.Data;
using IlgpuAe.Models;

namespace IlgpuAe.Plots;

/// <summary>
/// The pictures of a CVAE run: samples from p(z|c) through the decoder (one row per condition),
/// reconstructions, the test codes by class, and for masked conditions a completion grid.
/// </summary>
public static class CvaePictures
{
    /// <summary>
    /// Writes into <paramref name="outDir"/> (created if needed): samples.png, 8 rows of 8 decoder means sampled from p(z|c) for
    /// one condition each (classes 0..7 for labels, the first 8 test images for masks); for masked conditions also
    /// completions.png (masked input, 6 completions with the visible pixels pasted back, the original); reconstructions.png;
    /// and latent.png (the posterior means of the first <paramref name="codes"/> test images by class; wider than 2, on their first two principal components).
    /// Returns the file names written, relative to outDir.
    /// </summary>
    public static IReadOnlyList<string> Write<T>(Cvae<T> model, Dataset test, string outDir, int codes = 2000)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Directory.CreateDirectory(outDir);
        int f = test.Features, cols = 8, rows = 8;
        // One condition per row: for labels the classes 0..7 (the first test image of each), else the first 8 test images.
        var sources = model.Options.Condition == Condition.Label
            ? Enumerable.Range(0, rows).Select(k => Array.IndexOf(test.Labels, (byte)Math.Min(k, test.Classes - 1))).Select(i => Math.Max(i, 0)).ToArray()
            : Enumerable.Range(0, Math.Min(rows, test.Count)).ToArray();
        rows = sources.Length;
        var distinctImages = new float[rows * f];
        var distinctLabels = new byte[rows];
        test.Gather(sources, distinctImages);
        test.GatherLabels(sources, distinctLabels);
        var distinct = new Batch(distinctImages, distinctLabels, rows);
        // Every sample of a row shares that row's condition (and mask).
        var c = model.Conditions(distinct, 0, out var observed);
        var cRepeated = Vae<T>.Repeat(new Batch(c, distinctLabels, rows), cols).Images;
        var z = model.SamplePrior(distinct, cols, model.Seed);
        var means = Pictures.ToFloat(model.Decode(z, cRepeated, rows * cols));
        float[] Tile(float[] source, int i) => source.AsSpan(i * f, f).ToArray();
        var written = new List<string>();
        if (model.Options.Condition == Condition.Label)
        {
            ImageGrid.Save(Path.Combine(outDir, "samples.png"),
                Enumerable.Range(0, rows).Select(r => (IReadOnlyList<float[]>)Enumerable.Range(0, cols).Select(k => Tile(means, r * cols + k)).ToList()).ToList(),
                test.Width, test.Height, channels: test.Channels);
            written.Add("samples.png");
        }
        else
        {
            // One row per condition: the masked input, the completions (decoder means with the visible pixels pasted back), the truth.
            var grid = new List<IReadOnlyList<float[]>>();
            for (int r = 0; r < rows; r++)
            {
                var row = new List<float[]> { Tile(c, r) };
                for (int k = 0; k < cols - 2; k++)
                {
                    var completion = Tile(means, r * cols + k);
                    for (int p = 0; p < f; p++)
                        if (observed[r * f + p] != 0) completion[p] = distinctImages[r * f + p];
                    row.Add(completion);
                }
                row.Add(Tile(distinctImages, r));
                grid.Add(row);
            }
            ImageGrid.Save(Path.Combine(outDir, "completions.png"), grid, test.Width, test.Height, channels: test.Channels);
            ImageGrid.Save(Path.Combine(outDir, "samples.png"),
                Enumerable.Range(0, rows).Select(r => (IReadOnlyList<float[]>)Enumerable.Range(0, cols).Select(k => Tile(means, r * cols + k)).ToList()).ToList(),
                test.Width, test.Height, channels: test.Channels);
            written.Add("completions.png");
            written.Add("samples.png");
        }

        Pictures.Reconstructions(model, test, Path.Combine(outDir, "reconstructions.png"));
        written.Add("reconstructions.png");

        var slice = test.Slice(0, Math.Min(codes, test.Count));
        var (mean, _) = VaeDiagnostics.Posteriors(model, slice, 500, model.Latent, model.Latent);
        int d = model.Latent;
        var (xs, ys, s1, s2) = Projection.Principal(mean, slice.Count, d);
        var (title, xl, yl) = Projection.Labels("cvae test means of q(z|x, c) by class", d, s1, s2);
        LatentPlot.Save(Path.Combine(outDir, "latent.png"), title, xs, ys, slice.Labels, xl, yl);
        written.Add("latent.png");
        return written;
    }
}
