using IlgpuAe.Diagnostics;
using IlgpuAe.Data;

namespace IlgpuAe.Plots;

/// <summary>field.png: the 2-D data as dots and a DAE's arrows r(x) − x on a grid, each a shaft and a filled head at its tip.</summary>
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
            double dx = scale * a.Dx, dy = scale * a.Dy, length = Math.Sqrt(dx * dx + dy * dy);
            if (length == 0) continue;
            // The head is drawn in data units, a third of the arrow long: ScottPlot's pixel-sized heads were as long as the short
            // arrows themselves, and a field of diamonds shows no direction.
            double tipX = a.X + dx, tipY = a.Y + dy, ux = dx / length, uy = dy / length;
            double head = 0.35 * length, half = 0.2 * length;
            double baseX = tipX - head * ux, baseY = tipY - head * uy;
            var shaft = plot.Add.Line(a.X, a.Y, baseX, baseY);
            shaft.LineWidth = 1;
            shaft.LineColor = ScottPlot.Colors.Blue;
            var tip = plot.Add.Polygon(new ScottPlot.Coordinates[]
            {
                new(tipX, tipY), new(baseX - half * uy, baseY + half * ux), new(baseX + half * uy, baseY - half * ux),
            });
            tip.FillColor = ScottPlot.Colors.Blue;
            tip.LineColor = ScottPlot.Colors.Blue;
            tip.LineWidth = 0.5f;
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
