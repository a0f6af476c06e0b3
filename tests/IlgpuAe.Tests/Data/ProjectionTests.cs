using IlgpuAe.Plots;
using Xunit;

namespace IlgpuAe.Tests.Data;

/// <summary>latent.png's view of codes wider than 2: their first two principal components, named as such.</summary>
public sealed class ProjectionTests
{
    [Fact]
    public void Codes_spread_along_two_known_directions_project_onto_them_with_their_variance_shares()
    {
        // 3-D codes: variance 9 along (1, 1, 0)/√2, 1 along (0, 0, 1), none along (1, −1, 0)/√2.
        var rng = new Random(4);
        int n = 4000;
        var a = Enumerable.Range(0, n).Select(_ => 3 * (rng.NextDouble() * 2 - 1) * Math.Sqrt(3)).ToArray();
        var b = Enumerable.Range(0, n).Select(_ => (rng.NextDouble() * 2 - 1) * Math.Sqrt(3)).ToArray();
        var codes = new double[n * 3];
        for (int i = 0; i < n; i++)
        {
            codes[i * 3] = 5 + a[i] / Math.Sqrt(2);
            codes[i * 3 + 1] = -2 + a[i] / Math.Sqrt(2);
            codes[i * 3 + 2] = b[i];
        }
        var (x, y, s1, s2) = Projection.Principal(codes, n, 3);
        // The sample's small correlation between a and b tilts the components slightly off the true directions.
        double ma = a.Average(), mb = b.Average();
        for (int i = 0; i < n; i++)
        {
            Assert.True(Math.Abs(a[i] - ma - x[i]) < 0.02 * 3 * Math.Sqrt(3), $"PC1 of code {i}: {x[i]} against {a[i] - ma}");
            Assert.True(Math.Abs(Math.Abs(b[i] - mb) - Math.Abs(y[i])) < 0.05 * Math.Sqrt(3), $"PC2 of code {i}: {y[i]} against {b[i] - mb}");
        }
        Assert.Equal(0.9, s1, 1);
        Assert.Equal(0.1, s2, 1);
        var (title, xl, yl) = Projection.Labels("codes", 3, s1, s2);
        Assert.Contains("PCA of the 3-D codes", title);
        Assert.StartsWith("PC1 (", xl);
        Assert.StartsWith("PC2 (", yl);
    }

    [Fact]
    public void Two_dimensional_codes_are_drawn_as_they_are()
    {
        double[] codes = [1, 2, 3, 4];
        var (x, y, _, _) = Projection.Principal(codes, 2, 2);
        Assert.Equal([1.0, 3.0], x);
        Assert.Equal([2.0, 4.0], y);
        Assert.Equal(("codes", "z1", "z2"), Projection.Labels("codes", 2, 0, 0));
        Assert.Throws<IlgpuAeException>(() => Projection.Principal(codes, 3, 2));
    }
}
