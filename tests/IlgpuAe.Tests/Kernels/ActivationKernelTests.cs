using System.Numerics;
using ILGPU.Runtime;
using IlgpuAe.Compute;
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
        ActivationLaunch.ForwardGeneric(Gpu, f, dx.View, y.View, T.CreateTruncating(a), loop);
        ActivationLaunch.BackwardGeneric(Gpu, f, y.View, ddy.View, grad.View, T.CreateTruncating(a), T.Zero, loop);
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
        ActivationLaunch.BackwardGeneric(Gpu, Activation.Tanh, dyv.View, ddy.View, grad.View, 0.0, 1.0, Gpu.LoopFor(100));
        AssertClose<double>(old.Select((g, i) => g + dy[i] * (1 - y[i] * y[i])).ToArray(), Download(grad));
    }

    // The float CPU-accelerator body (Activation.Cpu.cs) against the same double reference and, where it promises
    // to, the generic kernel's bits: awkward sizes (vector tails, one element, fewer elements than threads), every
    // launch shape, outputs poisoned with NaN.

    public static TheoryData<Activation, int, int> CpuActivationCases()
    {
        var data = new TheoryData<Activation, int, int>();
        foreach (var f in Enum.GetValues<Activation>())
            foreach (int n in Sizes)
                data.Add(f, n, n % ShapeCount);
        return data;
    }

    [Theory, MemberData(nameof(CpuActivationCases))]
    public void ActivationForward_matches_the_reference_and_maps_nan_as_the_generic_kernel(Activation f, int n, int shape)
    {
        const double a = 0.3;
        var x = Rounded<float>(RandomValues(n + (int)f, n, -30, 30)); // far into both tails of the sigmoid
        if (n > 2) x[1] = double.NaN;
        using var dx = Upload<float>(x);
        using var y = Poisoned<float>(n);
        var loop = Shape(shape, n);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, float, int>(ActivationKernels.CpuForward)(loop.Threads, loop, dx.View, y.View, (float)a, (int)f);
        var got = Download(y);
        var finite = Enumerable.Range(0, n).Where(i => !double.IsNaN(x[i])).ToArray();
        AssertClose<float>(finite.Select(i => ActivationReference.Forward(f, x[i], a)).ToArray(), finite.Select(i => got[i]).ToArray(), 8, $"{f} forward");
        if (n > 2)
        {
            using var generic = Poisoned<float>(n);
            ActivationLaunch.ForwardGeneric(Gpu, f, dx.View, generic.View, (float)a, loop);
            Assert.Equal(double.IsNaN(Download(generic)[1]), double.IsNaN(got[1]));
        }
    }

    [Theory, MemberData(nameof(CpuActivationCases))]
    public void ActivationBackward_matches_the_reference_derivative(Activation f, int n, int shape)
    {
        const double a = 0.3;
        var x = Rounded<float>(RandomValues(n + (int)f, n, -4, 4));
        var y = Rounded<float>(x.Select(v => ActivationReference.Forward(f, v, a)).ToArray());
        var dy = Rounded<float>(RandomValues(2 * n + 1, n));
        using var dyv = Upload<float>(y);
        using var ddy = Upload<float>(dy);
        using var grad = Poisoned<float>(n);
        var loop = Shape(shape, n);
        var k = Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, int>(ActivationKernels.CpuBackward);
        k(loop.Threads, loop, dyv.View, ddy.View, grad.View, (float)a, 0f, (int)f);
        AssertClose<float>(x.Select((v, i) => dy[i] * ActivationReference.Derivative(f, v, a)).ToArray(), Download(grad), 64, $"{f} backward");

        var old = RandomValues(7, n);
        using var accumulated = Upload<float>(old);
        k(loop.Threads, loop, dyv.View, ddy.View, accumulated.View, (float)a, 1f, (int)f);
        AssertClose<float>(x.Select((v, i) => old[i] + dy[i] * ActivationReference.Derivative(f, v, a)).ToArray(), Download(accumulated), 64,
            $"{f} backward, beta=1");
    }
}
