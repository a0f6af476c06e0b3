
namespace IlgpuAe.Plots;

/// <summary>spectrum.png: the mean sorted singular values of the encoder Jacobian, on a log scale.</summary>
public static class SpectrumPlot
{
    /// <summary>Writes a PNG of log10 of <paramref name="spectrum"/> against the index k from 1, zeros left as gaps; <see cref="IlgpuAeException"/> when it is empty.</summary>
    public static void Save(string path, string title, double[] spectrum, int width = 640, int height = 400)
    {
        if (spectrum.Length == 0) throw new IlgpuAeException($"spectrum plot '{path}' has no values to draw.");
        var plot = new ScottPlot.Plot();
        var xs = Enumerable.Range(1, spectrum.Length).Select(k => (double)k).ToArray();
        // log10, with zeros as gaps: the interesting part is how many decades the spectrum falls.
        var ys = spectrum.Select(s => s > 0 ? Math.Log10(s) : double.NaN).ToArray();
        var line = plot.Add.Scatter(xs, ys);
        line.MarkerSize = spectrum.Length <= 64 ? 5 : 0;
        plot.Title(title);
        plot.XLabel("index k (sorted)");
        plot.YLabel("log10 mean singular value of df/dx");
        byte[] png;
        try
        {
            png = plot.GetImageBytes(width, height, ScottPlot.ImageFormat.Png);
        }
        catch (Exception e) when (e is not IlgpuAeException)
        {
            throw new IlgpuAeException($"spectrum plot '{path}' could not be drawn: {e.Message}", e);
        }
        PlotFiles.WriteAtomically(path, png, "spectrum plot");
    }
}
