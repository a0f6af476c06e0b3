namespace IlgpuAe.Testing;

/// <summary>One input of an op under <see cref="GradCheck.Op"/>: its shape and values (row-major).</summary>
public sealed record OpInput
{
    /// <summary>An input of <paramref name="rows"/>×<paramref name="cols"/> holding <paramref name="values"/>; throws <see cref="IlgpuAeException"/> when the count differs or a value is not finite.</summary>
    public OpInput(int rows, int cols, double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (rows <= 0 || cols <= 0) throw new IlgpuAeException($"an op input needs a positive shape, got {rows}x{cols}");
        if (values.Length != rows * cols) throw new IlgpuAeException($"an op input of {rows}x{cols} needs {rows * cols} values, got {values.Length}");
        if (values.Any(v => !double.IsFinite(v))) throw new IlgpuAeException("an op input holds a value that is not finite");
        Rows = rows;
        Cols = cols;
        Values = values;
    }

    /// <summary>Rows; the first input's rows are the graph's batch.</summary>
    public int Rows { get; }
    /// <summary>Columns.</summary>
    public int Cols { get; }
    /// <summary>The values, row-major.</summary>
    public double[] Values { get; }

    /// <summary>
    /// Values drawn uniformly from (−<paramref name="scale"/>, <paramref name="scale"/>), each moved at least
    /// <paramref name="awayFromZero"/> from 0 (for ops with a kink there, such as ReLU or |x|).
    /// </summary>
    public static OpInput Uniform(int rows, int cols, Random rng, double scale = 1, double awayFromZero = 0)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var values = new double[Math.Max(0, rows) * Math.Max(0, cols)];
        for (int i = 0; i < values.Length; i++)
        {
            double v = (rng.NextDouble() * 2 - 1) * scale;
            values[i] = Math.Abs(v) < awayFromZero ? Math.CopySign(awayFromZero, v) + v : v;
        }
        return new OpInput(rows, cols, values);
    }

    /// <summary>Values from <paramref name="draw"/>, one call per element in row-major order.</summary>
    public static OpInput From(int rows, int cols, Func<double> draw)
    {
        ArgumentNullException.ThrowIfNull(draw);
        var values = new double[Math.Max(0, rows) * Math.Max(0, cols)];
        for (int i = 0; i < values.Length; i++) values[i] = draw();
        return new OpInput(rows, cols, values);
    }
}
