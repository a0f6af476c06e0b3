using IlgpuAe.Compute;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// The vector-quantisation kernels against their double reference, outputs poisoned with NaN before each launch: the
/// nearest code (GEMM plus argmin) of random vectors, the gather and its scatter, the use counts and statistics, one EMA
/// step and the dead-code restart, on awkward sizes and every launch shape.
/// </summary>
public sealed class QuantizeKernelTests
{
    public static TheoryData<int, int> Cases() => SizesAndShapes();

    const int Dim = 3, Codes = 5;

    /// <summary>Rows of z each near a random code (plus noise), so that every distance is distinct and the argmin is sharp.</summary>
    static (double[] Z, double[] Codebook, int[] Expected) Problem(int rows, int seed)
    {
        var codebook = RandomValues(seed, Codes * Dim);
        var rng = new Random(seed + 1);
        var z = new double[rows * Dim];
        for (int r = 0; r < rows; r++)
        {
            int k = rng.Next(Codes);
            for (int j = 0; j < Dim; j++) z[r * Dim + j] = codebook[k * Dim + j] + 0.1 * (rng.NextDouble() - 0.5);
        }
        return (z, codebook, QuantizeReference.Nearest(z, codebook, rows, Codes, Dim));
    }

    [Theory, MemberData(nameof(Cases))]
    public void The_nearest_code_is_the_reference_argmin_of_the_squared_distances(int rows, int shape)
    {
        _ = shape; // the launcher picks its own shapes; the other kernels are held against every shape below
        var (z, codebook, expected) = Problem(rows, rows + 3);
        using var dz = Upload<float>(z);
        using var de = Upload<float>(codebook);
        using var scores = Poisoned<float>(rows * Codes);
        using var norms = Poisoned<float>(Codes);
        using var index = Poisoned<float>(rows);
        QuantizeLaunch.Nearest<float>(Gpu, dz.View, de.View, scores.View, norms.View, index.View, Dim);
        Assert.Equal(expected.Select(k => (double)k), Download(index));
    }

    [Fact]
    public void Ties_go_to_the_smallest_code_and_a_NaN_vector_to_code_0()
    {
        double[] codebook = [1, 0, -1, 0, 1, 0];   // codes (1, 0), (−1, 0), (1, 0): 0 and 2 tie
        double[] z = [2, 0, -2, 0, double.NaN, 0];
        using var dz = Upload<double>(z);
        using var de = Upload<double>(codebook);
        using var scores = Poisoned<double>(9);
        using var norms = Poisoned<double>(3);
        using var index = Poisoned<double>(3);
        QuantizeLaunch.Nearest<double>(Gpu, dz.View, de.View, scores.View, norms.View, index.View, 2);
        Assert.Equal([0.0, 1, 0], Download(index));
    }

    [Theory, MemberData(nameof(Cases))]
    public void Gather_scatter_and_counts_match_the_reference(int rows, int shape)
    {
        var (z, codebook, index) = Problem(rows, rows + 7);
        using var de = Upload<double>(codebook);
        using var di = Upload<double>(index.Select(k => (double)k).ToArray());
        var loop = Shape(shape, Codes);
        using var q = Poisoned<double>(rows * Dim);
        Gpu.Load<Loop, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int>(QuantizeKernels.Gather)(loop.Threads, loop, de.View, di.View, q.View, Codes, Dim);
        Assert.Equal(QuantizeReference.Gather(codebook, index, Dim), Download(q));

        var dq = RandomValues(rows, rows * Dim);
        using var ddq = Upload<double>(dq);
        using var grad = Poisoned<double>(Codes * Dim); // beta = 0 never reads it
        var scatter = Gpu.Load<Loop, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int, double>(QuantizeKernels.Scatter);
        scatter(loop.Threads, loop, ddq.View, di.View, grad.View, Codes, Dim, 0.0);
        var once = QuantizeReference.Scatter(dq, index, Codes, Dim);
        AssertClose<double>(once, Download(grad), rows, "dE");
        scatter(loop.Threads, loop, ddq.View, di.View, grad.View, Codes, Dim, 1.0);
        AssertClose<double>(once.Select(v => 2 * v).ToArray(), Download(grad), rows, "dE accumulated");

        using var counts = Poisoned<double>(Codes);
        Gpu.Load<Loop, ArrayView<double>, ArrayView<double>>(QuantizeKernels.Counts)(loop.Threads, loop, di.View, counts.View);
        var expectedCounts = QuantizeReference.Counts(index, Codes);
        Assert.Equal(expectedCounts, Download(counts));

        using var usage = Poisoned<double>(1);
        using var perplexity = Poisoned<double>(1);
        QuantizeLaunch.Statistics<double>(Gpu, counts.View, usage.View, perplexity.View);
        var (u, p) = QuantizeReference.Statistics(expectedCounts);
        Assert.Equal(u, Download(usage)[0], 15);
        Assert.Equal(p, Download(perplexity)[0], 12);
    }

    [Theory, MemberData(nameof(Cases))]
    public void One_EMA_step_matches_the_reference(int rows, int shape)
    {
        var (z, codebook, index) = Problem(rows, rows + 11);
        var emaCount = RandomValues(2, Codes, 0.1, 3);
        emaCount[0] = 0; // a code never used keeps its value unless it is used now
        var emaSum = RandomValues(3, Codes * Dim);
        var (n2, s2, e2) = QuantizeReference.Ema(z, index, emaCount, emaSum, codebook, Codes, Dim, 0.9, 1e-5);
        using var dz = Upload<double>(z);
        using var di = Upload<double>(index.Select(k => (double)k).ToArray());
        using var counts = Upload<double>(QuantizeReference.Counts(index, Codes));
        using var dn = Upload<double>(emaCount);
        using var ds = Upload<double>(emaSum);
        using var de = Upload<double>(codebook);
        var loop = Shape(shape, Codes);
        Gpu.Load<Loop, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, double>(QuantizeKernels.EmaAccumulate)(
            loop.Threads, loop, dz.View, di.View, counts.View, dn.View, ds.View, Dim, 0.9);
        Gpu.Load<Loop, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, double>(QuantizeKernels.EmaNormalize)(
            loop.Threads, loop, dn.View, ds.View, de.View, Dim, 1e-5);
        AssertClose<double>(n2, Download(dn), 1, "N");
        AssertClose<double>(s2, Download(ds), rows, "S");
        AssertClose<double>(e2, Download(de), rows, "E");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void A_code_idle_for_the_limit_restarts_at_its_row_of_the_batch(int shape)
    {
        const int rows = 7, after = 2;
        var z = RandomValues(5, rows * Dim);
        double[] counts = [3, 0, 0, 4, 0];
        double[] idle = [5, 1, 0, 0, 1];   // code 1 and 4 reach the limit now, code 2 does not
        var codebook = RandomValues(6, Codes * Dim);
        using var dz = Upload<double>(z);
        using var dc = Upload<double>(counts);
        using var di = Upload<double>(idle);
        using var de = Upload<double>(codebook);
        using var dn = Upload<double>(new double[Codes]);
        using var ds = Upload<double>(new double[Codes * Dim]);
        var loop = Shape(shape, Codes);
        Gpu.Load<Loop, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int, double, long, int>(QuantizeKernels.Restart)(
            loop.Threads, loop, dz.View, dc.View, di.View, de.View, dn.View, ds.View, rows, Dim, after, 9L, 1);
        Assert.Equal([0.0, 0, 1, 0, 0], Download(di));
        var e = Download(de);
        var n = Download(dn);
        var s = Download(ds);
        for (int k = 0; k < Codes; k++)
        {
            bool restarted = k is 1 or 4;
            long r = (7919L * k + 9) % rows;
            for (int j = 0; j < Dim; j++)
            {
                Assert.Equal(restarted ? z[r * Dim + j] : codebook[k * Dim + j], e[k * Dim + j]);
                Assert.Equal(restarted ? z[r * Dim + j] : 0, s[k * Dim + j]);
            }
            Assert.Equal(restarted ? 1 : 0, n[k]);
        }
    }
}
