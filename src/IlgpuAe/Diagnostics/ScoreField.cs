using System.Numerics;
using IlgpuAe.Data;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;
using IlgpuAe.Models;
using IlgpuAe.Ops;

namespace IlgpuAe.Diagnostics;

/// <summary>One arrow of a DAE's field: at <c>(X, Y)</c>, the reconstruction minus the point.</summary>
/// <param name="X">The point's first coordinate.</param>
/// <param name="Y">The point's second coordinate.</param>
/// <param name="Dx">r(x) − x along X, r the reconstruction.</param>
/// <param name="Dy">r(x) − x along Y.</param>
public readonly record struct FieldArrow(double X, double Y, double Dx, double Dy);

/// <summary>
/// The vector field r(x) − x of a trained 2-D autoencoder on a grid: for a DAE it estimates
/// σ²·∇log p(x) and so points back towards the data. The reconstruction is taken on the clean
/// input (no corruption): the graph is the encoder and decoder alone.
/// </summary>
public static class ScoreField
{
    /// <summary>Arrows at the centres of an n×n grid over [0, 1]².</summary>
    public static FieldArrow[] OnGrid<T>(Autoencoder<T> model, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (model.Features != 2) throw new IlgpuAeException($"a score field needs a model of 2-D points, this one reads {model.Features} features");
        if (n <= 0 || n > 1000) throw new IlgpuAeException($"the field grid must have between 1 and 1000 points a side, got {n}");
        var points = new float[2 * n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                points[2 * (i * n + j)] = (j + 0.5f) / n;
                points[2 * (i * n + j) + 1] = (i + 0.5f) / n;
            }
        var r = Reconstruct(model, points, n * n);
        return Enumerable.Range(0, n * n).Select(k => new FieldArrow(points[2 * k], points[2 * k + 1],
            r[2 * k] - points[2 * k], r[2 * k + 1] - points[2 * k + 1])).ToArray();
    }

    static double[] Reconstruct<T>(Autoencoder<T> model, float[] points, int rows) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = new GraphBuilder<T>(model.Parameters, rows, training: false);
        var x = g.Input("x", 2);
        var r = model.Decoder.Apply(g, model.Encoder.Apply(g, x));
        if (model.Options.Loss == Reconstruction.Bce) r = g.Apply(r, Activation.Sigmoid);
        g.Output("r", r);
        g.Loss("reconstruction", g.ReconstructionLoss(r, x, Reconstruction.Mse)); // plans need a term
        using var plan = g.Compile();
        plan.SetInput(x, points);
        plan.Forward();
        return plan.Read("r").Select(v => double.CreateTruncating(v)).ToArray();
    }

    /// <summary>
    /// Mean cosine between each arrow and the direction from its point to the nearest data point,
    /// over the arrows whose distance to the circle of <see cref="ToyData"/> is in [lo, hi]; and how many.
    /// </summary>
    public static (double MeanCosine, int Count) CosineToData(IReadOnlyList<FieldArrow> arrows, Dataset data, double lo, double hi)
    {
        double sum = 0;
        int count = 0;
        foreach (var a in arrows)
        {
            double d = Math.Abs(Math.Sqrt(Math.Pow(a.X - ToyData.CentreX, 2) + Math.Pow(a.Y - ToyData.CentreY, 2)) - ToyData.Radius);
            if (d < lo || d > hi) continue;
            double best = double.MaxValue, tx = 0, ty = 0;
            for (int i = 0; i < data.Count; i++)
            {
                double dx = data.Images[2 * i] - a.X, dy = data.Images[2 * i + 1] - a.Y, d2 = dx * dx + dy * dy;
                if (d2 < best) { best = d2; tx = dx; ty = dy; }
            }
            double norm = Math.Sqrt(a.Dx * a.Dx + a.Dy * a.Dy) * Math.Sqrt(best);
            sum += norm > 0 ? (a.Dx * tx + a.Dy * ty) / norm : 0;
            count++;
        }
        return (count > 0 ? sum / count : double.NaN, count);
    }
}
