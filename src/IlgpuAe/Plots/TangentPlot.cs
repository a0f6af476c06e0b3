using IlgpuAe.Diagnostics;

namespace IlgpuAe.Plots;

/// <summary>tangents.png: per test image a row, the image then its tangent directions (right singular vectors of df/dx).</summary>
public static class TangentPlot
{
    /// <summary>
    /// Writes the rows through <see cref="ImageGrid"/> at scale 2. A direction v is drawn as 0.5 + 0.5·v / max|v|: mid-grey is 0,
    /// white and black its largest positive and negative pixels (a singular vector's sign is arbitrary, so the two may swap).
    /// </summary>
    public static void Save(string path, TangentResult tangents)
    {
        // Values per image: C·H·W, so that colour data draws its tangents in colour like its images.
        int plane = tangents.Width * tangents.Height;
        int channels = tangents.Points > 0 ? Math.Max(1, tangents.Images[0].Length / plane) : 1;
        int f = channels * plane;
        var rows = new List<IReadOnlyList<float[]>>();
        for (int p = 0; p < tangents.Points; p++)
        {
            var row = new List<float[]> { tangents.Images[p] };
            for (int i = 0; i < tangents.Directions; i++)
            {
                var v = tangents.Vectors[p].AsSpan(i * f, f);
                double max = 0;
                foreach (var x in v) max = Math.Max(max, Math.Abs(x));
                var tile = new float[f];
                for (int k = 0; k < f; k++) tile[k] = max > 0 ? (float)(0.5 + 0.5 * v[k] / max) : 0.5f;
                row.Add(tile);
            }
            rows.Add(row);
        }
        ImageGrid.Save(path, rows, tangents.Width, tangents.Height, channels: channels);
    }
}
