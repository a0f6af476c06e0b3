namespace IlgpuAe.Plots;

/// <summary>A scatter of 2-D codes coloured by class: the shape of an aggregated posterior.</summary>
public static class LatentPlot
{
    /// <summary>Writes a PNG with one colour per label; points are (x[i], y[i]).</summary>
    public static void Save(string path, string title, double[] xs, double[] ys, byte[] labels, string xLabel = "z1", string yLabel = "z2",
        int width = 640, int height = 560)
    {
        if (xs.Length == 0 || xs.Length != ys.Length || xs.Length != labels.Length)
            throw new IlgpuAeException($"latent plot '{path}' needs as many x, y and labels, and at least one point");
        var plot = new ScottPlot.Plot();
        foreach (var label in labels.Distinct().OrderBy(l => l))
        {
            var idx = Enumerable.Range(0, labels.Length).Where(i => labels[i] == label).ToArray();
            var s = plot.Add.Scatter(idx.Select(i => xs[i]).ToArray(), idx.Select(i => ys[i]).ToArray());
            s.LineWidth = 0;
            s.MarkerSize = 3;
            s.LegendText = label.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        byte[] png;
        try
        {
            png = plot.GetImageBytes(width, height, ScottPlot.ImageFormat.Png);
        }
        catch (Exception e) when (e is not IlgpuAeException)
        {
            throw new IlgpuAeException($"latent plot '{path}' could not be drawn: {e.Message}", e);
        }
        PlotFiles.WriteAtomically(path, png, "latent plot");
    }
}
