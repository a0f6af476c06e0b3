using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

/// <summary>The code statistics a sparse model reports, against their double reference on every launch shape.</summary>
public sealed class CodeStatsKernelTests
{
    public static TheoryData<int, int> Cases() => SizesAndShapes();

    [Theory, MemberData(nameof(Cases))]
    public void Counts_below_the_threshold_match_the_reference_per_row(int rows, int shape)
    {
        const int cols = 37;
        const double threshold = 0.1;
        var h = RandomValues(rows + 2, rows * cols, -0.5, 0.5);
        h[0] = 0; // exactly zero counts
        h[h.Length - 1] = threshold; // the threshold itself does not
        using var dh = Upload<double>(h);
        using var count = Poisoned<double>(rows);
        var loop = Shape(shape, rows);
        Gpu.Load<Loop, ArrayView<double>, ArrayView<double>, int, double>(CodeStatsKernels.RowCountBelow)(
            loop.Threads, loop, dh.View, count.View, cols, threshold);
        Assert.Equal(CodeStatsReference.RowCountBelow(h, rows, cols, threshold), Download(count));
    }
}
