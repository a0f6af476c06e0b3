using ILGPU.Runtime;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

/// <summary>The executor's bookkeeping kernel against its reference.</summary>
public sealed class MetricKernelTests
{
    [Fact]
    public void Scalars_are_gathered_and_accumulated()
    {
        using var source = Upload<double>([1, 2, 3, 4, 5]);
        using var offsets = Gpu.Accelerator.Allocate1D(new[] { 4, 0, 2 });
        using var sums = Upload<double>([10, 20, 30]);
        using var last = Poisoned<double>(3);
        Gpu.Load<Loop, ArrayView<double>, ArrayView<int>, ArrayView<double>, ArrayView<double>>(MetricKernels.AccumulateScalars)(
            1, new Loop(1, 3), source.View, offsets.View, sums.View, last.View);
        Assert.Equal([15.0, 21.0, 33.0], Download(sums));
        Assert.Equal([5.0, 1.0, 3.0], Download(last));
        var (expectedSums, expectedLast) = MetricReference.AccumulateScalars([1, 2, 3, 4, 5], [4, 0, 2], [10, 20, 30]);
        Assert.Equal(expectedSums, Download(sums));
        Assert.Equal(expectedLast, Download(last));
    }
}
