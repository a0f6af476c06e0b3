using IlgpuAe.Diagnostics;
using System.Numerics;
using IlgpuAe.Data;
using IlgpuAe.Models;

namespace IlgpuAe.Plots;

/// <summary>The pictures of a VAE run: prior samples, reconstructions, and the test codes by class.</summary>
public static class VariationalPictures
{
    /// <summary>
    /// Writes samples.png (8×8 decoder means of prior samples drawn with the model's seed), reconstructions.png and latent.png
    /// (the posterior means of the first <paramref name="codes"/> images of <paramref name="test"/>, coloured by class; a latent wider
    /// than 2 is shown on its first two principal components, <see cref="Projection.Principal"/>, and the title says so) into <paramref name="outDir"/>, creating it if needed. Returns the file names written, relative to outDir.
    /// </summary>
    public static IReadOnlyList<string> Write<T>(Vae<T> model, Dataset test, string outDir, int codes = 2000)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Directory.CreateDirectory(outDir);
        var means = Pictures.ToFloat(model.Decode(model.SamplePrior(64, model.Seed), 64));
        var rows = Enumerable.Range(0, 8).Select(r => (IReadOnlyList<float[]>)Enumerable.Range(0, 8)
            .Select(c => means.AsSpan((r * 8 + c) * test.Features, test.Features).ToArray()).ToList()).ToList();
        ImageGrid.Save(Path.Combine(outDir, "samples.png"), rows, test.Width, test.Height, channels: test.Channels);

        Pictures.Reconstructions(model, test, Path.Combine(outDir, "reconstructions.png"));

        var slice = test.Slice(0, Math.Min(codes, test.Count));
        var (mean, _) = VaeDiagnostics.Posteriors(model, slice, 500, model.Latent, model.Posterior == Posterior.Diag ? model.Latent : model.Latent * model.Latent);
        int d = model.Latent;
        var (xs, ys, s1, s2) = Projection.Principal(mean, slice.Count, d);
        var (title, xl, yl) = Projection.Labels("test posterior means by class", d, s1, s2);
        LatentPlot.Save(Path.Combine(outDir, "latent.png"), title, xs, ys, slice.Labels, xl, yl);
        return ["samples.png", "reconstructions.png", "latent.png"];
    }
}
