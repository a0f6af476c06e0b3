using ILGPU;
using IlgpuAe.Compute;
using IlgpuAe.Kernels;
using Xunit;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

// The float CPU-accelerator body of the family (Reduction.Cpu.cs, a .NET body behind an ILGPU intrinsic) against the same
// double reference as the generic kernel it stands in for, on awkward sizes (vector tails, one element, fewer elements
// than threads) and every launch shape, outputs poisoned with NaN.
public sealed partial class ReductionKernelTests
{
    public static TheoryData<int, int> CpuCases() => SizesAndShapes();

    public static TheoryData<int, int, int> CpuMatrixCases()
    {
        var data = new TheoryData<int, int, int>();
        foreach (var (rows, cols) in new[] { (1, 1), (1, 37), (7, 1), (7, 64), (33, 130), (128, 784) })
            for (int s = 0; s < ShapeCount; s++) data.Add(rows, cols, s);
        return data;
    }

    [Theory, MemberData(nameof(CpuCases))]
    public void SquaredNorm_partials_add_up_to_the_reference(int n, int shape)
    {
        var x = RandomValues(n + 5, n);
        var loop = Shape(shape, n);
        using var dx = Upload<float>(x);
        using var partial = Poisoned<float>(loop.Threads);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>>(ReductionKernels.CpuSquaredNorm)(loop.Threads, loop, dx.View, partial.View);
        var parts = Download(partial);
        Assert.All(parts, v => Assert.False(double.IsNaN(v), "a thread left its partial unwritten"));
        Assert.Equal(ReductionReference.SquaredNorm(x), parts.Sum(), Tolerance<float>() * n * 8);
    }

    [Theory, MemberData(nameof(CpuMatrixCases))]
    public void ColumnSums_match_the_reference_and_the_generic_kernel_bit_for_bit(int rows, int cols, int shape)
    {
        var x = RandomValues(rows * 31 + cols, rows * cols);
        using var dx = Upload<float>(x);
        var loop = Shape(shape, cols);
        var fast = Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, int, float, float>(ReductionKernels.CpuColumnSums);
        using var y = Poisoned<float>(cols);
        fast(loop.Threads, loop, dx.View, y.View, rows, 0.25f, 0f);
        var expected = ReductionReference.ColumnSums(x, rows, cols, 0.25);
        var got = Download(y);
        AssertClose<float>(expected, got, scale: rows, what: "column sums");

        // Same order of additions per column as ReductionKernels.ColumnSums: the same bits.
        using var generic = Poisoned<float>(cols);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, int, float, float>(ReductionKernels.ColumnSums)(loop.Threads, loop, dx.View, generic.View, rows, 0.25f, 0f);
        Assert.Equal(Download(generic), got);

        var prior = RandomValues(10, cols);
        using var acc = Upload<float>(prior);
        fast(loop.Threads, loop, dx.View, acc.View, rows, 0.25f, 0.5f);
        AssertClose<float>(expected.Select((v, i) => 0.5 * prior[i] + v).ToArray(), Download(acc), scale: rows, what: "column sums, beta=0.5");
    }
}
