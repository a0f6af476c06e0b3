using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using IlgpuAe.Kernels;
using IlgpuAe.Ops;
using Xunit;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// Every activation: the kernel's forward equals the x-form reference, and its y-form derivative
/// equals the reference derivative from x, on every size and launch shape, in float and double.
/// </summary>
public sealed class ActivationKernelTests
{
    public static TheoryData<Activation, int, int> Cases()
    {
        var data = new TheoryData<Activation, int, int>();
        foreach (var f in Enum.GetValues<Activation>())
            foreach (int n in Sizes)
                data.Add(f, n, n % ShapeCount);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Forward_and_backward_match_the_reference(Activation f, int n, int shape)
    {
        Check<float>(f, n, shape);
        Check<double>(f, n, shape);
    }

    static void Check<T>(Activation f, int n, int shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const double a = 0.3;
        var x = Rounded<T>(RandomValues(n + (int)f, n, -4, 4));
        var dy = Rounded<T>(RandomValues(2 * n + 1, n));
        using var dx = Upload<T>(x);
        using var y = Poisoned<T>(n);
        using var ddy = Upload<T>(dy);
        using var grad = Poisoned<T>(n);
        var loop = Shape(shape, n);
        ActivationOp<T>.LaunchForwardWith(Gpu, f, dx.View, y.View, T.CreateTruncating(a), loop);
        ActivationOp<T>.LaunchBackwardWith(Gpu, f, y.View, ddy.View, grad.View, T.CreateTruncating(a), T.Zero, loop);
        AssertClose<T>(x.Select(v => ActivationReference.Forward(f, v, a)).ToArray(), Download(y), 4, $"{f} forward");
        // The y-form loses a little for sigmoid/softplus saturation in float: a looser scale, still relative.
        AssertClose<T>(x.Select((v, i) => dy[i] * ActivationReference.Derivative(f, v, a)).ToArray(), Download(grad),
            64, $"{f} backward");
    }

    [Fact]
    public void Backward_with_beta_one_accumulates_into_the_existing_gradient()
    {
        var y = RandomValues(5, 100);
        var dy = RandomValues(6, 100);
        var old = RandomValues(7, 100);
        using var dyv = Upload<double>(y);
        using var ddy = Upload<double>(dy);
        using var grad = Upload<double>(old);
        ActivationOp<double>.LaunchBackwardWith(Gpu, Activation.Tanh, dyv.View, ddy.View, grad.View, 0, 1, Gpu.LoopFor(100));
        AssertClose<double>(old.Select((g, i) => g + dy[i] * (1 - y[i] * y[i])).ToArray(), Download(grad));
    }
}

/// <summary>The broadcast and bookkeeping kernels of the executor against their references.</summary>
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
    }
}
