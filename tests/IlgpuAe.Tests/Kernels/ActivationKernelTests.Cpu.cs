using ILGPU;
using IlgpuAe.Compute;
using IlgpuAe.Kernels;
using Xunit;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

// The float CPU-accelerator body of the family (Activation.Cpu.cs, a .NET body behind an ILGPU intrinsic) against the same
// double reference as the generic kernel it stands in for, on awkward sizes (vector tails, one element, fewer elements
// than threads) and every launch shape, outputs poisoned with NaN.
public sealed partial class ActivationKernelTests
{
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
