using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using IlgpuAe.Kernels;
using IlgpuAe.Compute;
using Xunit;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// Every activation: the kernel's forward equals the x-form reference, and its y-form derivative
/// equals the reference derivative from x, on every size and launch shape, in float and double.
/// </summary>
public sealed partial class ActivationKernelTests
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
}
