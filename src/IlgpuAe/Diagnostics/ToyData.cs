using IlgpuAe.Data;

namespace IlgpuAe.Diagnostics;

/// <summary>The 2-D toy distributions of `ilgpu-ae field`.</summary>
public enum ToyShape
{
    /// <summary>A circle of radius <see cref="ToyData.Radius"/> about the centre.</summary>
    Circle,
    /// <summary>A two-turn spiral from radius 0.05 to 0.4 about the centre.</summary>
    Spiral,
}

/// <summary>
/// Seeded 2-D point clouds inside the unit square (datasets hold values in [0, 1]): a circle of
/// radius 0.3 about (0.5, 0.5), or a two-turn spiral from radius 0.05 to 0.4, each point moved by
/// Gaussian noise of the given standard deviation (clamped into the square).
/// </summary>
public static class ToyData
{
    /// <summary>Radius of the circle.</summary>
    public const double Radius = 0.3;
    /// <summary>Centre of both shapes, the middle of the unit square.</summary>
    public const double CentreX = 0.5, CentreY = 0.5;

    /// <paramref name="count"/> points [count, 2] of <paramref name="shape"/>, jittered by Gaussian noise of standard deviation <paramref name="noise"/> (in [0, 0.1)), labels 0; <see cref="IlgpuAeException"/> for a bad count or noise.
    public static Dataset Make(ToyShape shape, int count, double noise, ulong seed)
    {
        if (count <= 0) throw new IlgpuAeException($"a toy dataset needs at least one point, got {count}");
        if (!(noise >= 0 && noise < 0.1)) throw new IlgpuAeException($"the toy data noise must be in [0, 0.1), got {noise}");
        var rng = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var xy = new float[2 * count];
        for (int i = 0; i < count; i++)
        {
            double t = rng.NextDouble();
            double angle, r;
            if (shape == ToyShape.Circle)
            {
                angle = 2 * Math.PI * t;
                r = Radius;
            }
            else
            {
                angle = 4 * Math.PI * t;
                r = 0.05 + 0.35 * t;
            }
            xy[2 * i] = (float)Math.Clamp(CentreX + r * Math.Cos(angle) + noise * Normal(), 0, 1);
            xy[2 * i + 1] = (float)Math.Clamp(CentreY + r * Math.Sin(angle) + noise * Normal(), 0, 1);
        }
        return new Dataset($"toy {shape.ToString().ToLowerInvariant()}", xy, new byte[count], 2, 1, classes: 1);
    }
}
