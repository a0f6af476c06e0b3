using IlgpuAe.Diagnostics;
using IlgpuAe.Data;

namespace IlgpuAe.Plots;

/// <summary>field.png: the 2-D data as dots and a DAE's arrows r(x) − x on a grid.</summary>
public static class FieldPlot
{
    /// <summary>Arrows are scaled so that the longest spans 90% of the grid spacing 1/<paramref name="grid"/>; the title says by how much.</summary>
    public static void Save(string path, string title, Dataset data, IReadOnlyList<FieldArrow> arrows, int grid, int size = 640)
    {
        if (data.Features != 2) throw new IlgpuAeException($"field plot '{path}' needs 2-D data, got {data.Features} features");
        var plot = new ScottPlot.Plot();
        var xs = Enumerable.Range(0, data.Count).Select(i => (double)data.Images[2 * i]).ToArray();
        var ys = Enumerable.Range(0, data.Count).Select(i => (double)data.Images[2 * i + 1]).ToArray();
        var dots = plot.Add.ScatterPoints(xs, ys);
        dots.MarkerSize = 2;
        dots.Color = ScottPlot.Colors.Gray;
        // At true length the far arrows cross the whole picture; one common scale keeps their ratios.
        double longest = arrows.Count == 0 ? 0 : arrows.Max(a => Math.Sqrt(a.Dx * a.Dx + a.Dy * a.Dy));
        double scale = longest > 0 ? 0.9 / grid / longest : 1;
        foreach (var a in arrows)
        {
            var arrow = plot.Add.Arrow(new ScottPlot.Coordinates(a.X, a.Y), new ScottPlot.Coordinates(a.X + scale * a.Dx, a.Y + scale * a.Dy));
            arrow.ArrowLineWidth = 1;
            arrow.ArrowWidth = 1.5f;
            arrow.ArrowheadLength = 8;
            arrow.ArrowheadWidth = 6;
            arrow.ArrowFillColor = ScottPlot.Colors.Blue;
            arrow.ArrowLineColor = ScottPlot.Colors.Blue;
        }
        plot.Title($"{title} (arrows ×{scale:G2})");
        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.Axes.SquareUnits();
        byte[] png;
        try
        {
            png = plot.GetImageBytes(size, size, ScottPlot.ImageFormat.Png);
        }
        catch (Exception e) when (e is not IlgpuAeException)
        {
            throw new IlgpuAeException($"field plot '{path}' could not be drawn: {e.Message}", e);
        }
        PlotFiles.WriteAtomically(path, png, "field plot");
    }
}
