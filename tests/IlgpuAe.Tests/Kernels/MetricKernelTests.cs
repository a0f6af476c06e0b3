using ILGPU.Runtime;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

/// <summary>The executor's bookkeeping kernels against their references.</summary>
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

    [Fact]
    public void Scalars_are_scattered_to_their_offsets_and_nothing_else_changes()
    {
        double[] target = [double.NaN, 7, double.NaN, 8, double.NaN];
        using var buffer = Upload<float>(target);
        using var offsets = Gpu.Accelerator.Allocate1D(new[] { 4, 0, 2 });
        using var values = Upload<float>([0.5, -2, 3]);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<int>, ArrayView<float>>(MetricKernels.ScatterScalars)(
            1, new Loop(1, 3), buffer.View, offsets.View, values.View);
        Assert.Equal(MetricReference.ScatterScalars(target, [4, 0, 2], [0.5, -2, 3]), Download(buffer));
        Assert.Equal([-2.0, 7, 3, 8, 0.5], Download(buffer));
    }
}
