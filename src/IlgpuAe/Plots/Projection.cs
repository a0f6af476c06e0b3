namespace IlgpuAe.Plots;

/// <summary>2-D views of codes wider than 2 for latent.png: the two leading principal components.</summary>
public static class Projection
{
    /// <summary>
    /// The codes [n, d] (row-major) projected on their first two principal components (of the centred codes' covariance, by
    /// power iteration with deflation, in double): the coordinates and the share of the total variance each component holds.
    /// A code of width 1 gives (z, 0); width 2 is returned as it is, with shares of 0 (no projection). Each component's sign is
    /// fixed so that its largest coordinate is positive, so the same codes always give the same picture.
    /// </summary>
    public static (double[] X, double[] Y, double Share1, double Share2) Principal(double[] codes, int n, int d)
    {
        if (n <= 0 || d <= 0 || codes.Length != (long)n * d) throw new IlgpuAeException($"a projection needs {n}x{d} codes, got {codes.Length} values");
        if (d <= 2)
            return (Enumerable.Range(0, n).Select(i => codes[i * d]).ToArray(), Enumerable.Range(0, n).Select(i => d > 1 ? codes[i * d + 1] : 0).ToArray(), 0, 0);
        var mean = new double[d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) mean[j] += codes[i * d + j] / n;
        var cov = new double[d, d];
        for (int i = 0; i < n; i++)
            for (int a = 0; a < d; a++)
            {
                double ca = codes[i * d + a] - mean[a];
                for (int b = a; b < d; b++) cov[a, b] += ca * (codes[i * d + b] - mean[b]) / n;
            }
        for (int a = 0; a < d; a++)
            for (int b = 0; b < a; b++) cov[a, b] = cov[b, a];
        double total = Enumerable.Range(0, d).Sum(j => cov[j, j]);
        var (v1, l1) = Leading(cov, d);
        for (int a = 0; a < d; a++)
            for (int b = 0; b < d; b++) cov[a, b] -= l1 * v1[a] * v1[b];
        var (v2, l2) = Leading(cov, d);
        double[] Project(double[] v) => Enumerable.Range(0, n).Select(i => Enumerable.Range(0, d).Sum(j => (codes[i * d + j] - mean[j]) * v[j])).ToArray();
        return (Project(v1), Project(v2), total > 0 ? l1 / total : 0, total > 0 ? l2 / total : 0);
    }

    static (double[] Vector, double Value) Leading(double[,] m, int d)
    {
        var v = Enumerable.Range(0, d).Select(j => 1.0 + 0.01 * j).ToArray();
        double value = 0;
        for (int it = 0; it < 500; it++)
        {
            var w = new double[d];
            for (int a = 0; a < d; a++)
                for (int b = 0; b < d; b++) w[a] += m[a, b] * v[b];
            double norm = Math.Sqrt(w.Sum(x => x * x));
            if (norm == 0) return (v.Select(_ => 0.0).ToArray(), 0);
            for (int a = 0; a < d; a++) w[a] /= norm;
            double change = Enumerable.Range(0, d).Sum(a => Math.Abs(w[a] - v[a]));
            v = w;
            value = norm;
            if (change < 1e-12) break;
        }
        int largest = Enumerable.Range(0, d).MaxBy(j => Math.Abs(v[j]));
        if (v[largest] < 0) v = v.Select(x => -x).ToArray();
        return (v, value);
    }

    /// <summary>The title and axis labels of a latent plot of d-wide codes under <see cref="Principal"/>; the axes give each component's share of the variance.</summary>
    public static (string Title, string X, string Y) Labels(string what, int d, double share1, double share2) => d switch
    {
        1 => ($"{what} (1-D)", "z1", ""),
        2 => (what, "z1", "z2"),
        _ => ($"{what}, PCA of the {d}-D codes",
            $"PC1 ({share1:P0})", $"PC2 ({share2:P0})"),
    };
}
