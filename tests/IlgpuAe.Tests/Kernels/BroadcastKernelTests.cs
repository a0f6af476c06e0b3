using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

/// <summary>The broadcast kernels (the backward of sums, row-vector adds) against their references.</summary>
public sealed class BroadcastKernelTests
{
    public static TheoryData<int, int> Cases() => SizesAndShapes();

    [Theory, MemberData(nameof(Cases))]
    public void Scalar_broadcast_overwrites_or_blends(int n, int shape)
    {
        var old = RandomValues(n, n);
        using var s = Upload<double>([1.75]);
        using var fresh = Poisoned<double>(n);
        using var blended = Upload<double>(old);
        var loop = Shape(shape, n);
        var k = Gpu.Load<Loop, ArrayView<double>, ArrayView<double>, double, double>(BroadcastKernels.Scalar);
        k(loop.Threads, loop, s.View, fresh.View, 0.5, 0);
        k(loop.Threads, loop, s.View, blended.View, 0.5, 1);
        AssertClose<double>(BroadcastReference.Scalar(1.75, new double[n], 0.5, 0), Download(fresh));
        AssertClose<double>(BroadcastReference.Scalar(1.75, old, 0.5, 1), Download(blended));
    }

    [Theory, MemberData(nameof(Cases))]
    public void Row_vector_is_added_to_every_row(int n, int shape)
    {
        int cols = Math.Max(1, n / 7);
        int rows = n / cols;
        var x = RandomValues(3, rows * cols);
        var v = RandomValues(4, cols);
        using var dx = Upload<float>(x);
        using var dv = Upload<float>(v);
        using var y = Poisoned<float>(rows * cols);
        var loop = Shape(shape, rows * cols);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(BroadcastKernels.AddRow)(loop.Threads, loop, dx.View, dv.View, y.View, cols);
        AssertClose<float>(BroadcastReference.AddRow(Rounded<float>(x), Rounded<float>(v), cols), Download(y), 2);
    }
}
