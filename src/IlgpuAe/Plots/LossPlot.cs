namespace IlgpuAe.Plots;

/// <summary>Line charts of per-epoch metrics (losses, KL, penalties).</summary>
public static class LossPlot
{
    /// <summary>
    /// Writes a PNG with one line per series against the epoch (1-based), titled <paramref name="title"/>,
    /// with <paramref name="yLabel"/> on the vertical axis. Non-finite values leave a gap rather than spoil the scale.
    /// </summary>
    /// <exception cref="IlgpuAeException">There is nothing to plot, the size is unusable, or the file cannot be written.</exception>
    public static void Save(string path, string title, string yLabel, IReadOnlyList<(string Name, double[] Values)> series,
        int width = 640, int height = 400)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(series);
        if (width is < 64 or > 8192 || height is < 64 or > 8192)
            throw new IlgpuAeException($"loss plot '{path}': size {width}x{height} must be between 64 and 8192 pixels each way.");
        if (series.Count == 0 || series.All(s => s.Values is null || s.Values.Length == 0))
            throw new IlgpuAeException($"loss plot '{path}' has no values to draw.");

        var plot = new ScottPlot.Plot();
        foreach (var (name, values) in series)
        {
            if (values is null || values.Length == 0)
                continue;
            var xs = Enumerable.Range(1, values.Length).Select(e => (double)e).ToArray();
            // ScottPlot skips NaN points; infinities would stretch the axis to nothing, so they become gaps too.
            var ys = values.Select(v => double.IsFinite(v) ? v : double.NaN).ToArray();
            var line = plot.Add.Scatter(xs, ys);
            line.LegendText = name;
            line.MarkerSize = values.Length <= 50 ? 5 : 0;
        }
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        // Epochs are whole numbers; and losses fall, so the upper right is the corner least likely to hide a line.
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);

        byte[] png;
        try
        {
            png = plot.GetImageBytes(width, height, ScottPlot.ImageFormat.Png);
        }
        catch (Exception e) when (e is not IlgpuAeException)
        {
            throw new IlgpuAeException($"loss plot '{path}' could not be drawn: {e.Message}", e);
        }
        PlotFiles.WriteAtomically(path, png, "loss plot");
    }
}
