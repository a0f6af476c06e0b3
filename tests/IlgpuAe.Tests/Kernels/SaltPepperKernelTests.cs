using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

/// <summary>Salt-and-pepper noise equals its reference (same Philox words), whatever the launch shape, and hits as often as it says.</summary>
public sealed class SaltPepperKernelTests
{
    public static TheoryData<int, int> Cases() => SizesAndShapes();

    [Theory, MemberData(nameof(Cases))]
    public void Salt_and_pepper_sets_exactly_the_reference_elements(int n, int shape)
    {
        var x = RandomValues(4, n, 0.1, 0.9);
        var loop = Shape(shape, n);
        using var dx = Upload<double>(x);
        using var y = Poisoned<double>(n);
        Gpu.Load<Loop, ArrayView<double>, ArrayView<double>, ulong, StreamKey, ArrayView<ulong>, ulong, double>(SaltPepperKernels.Noise)(loop.Threads, loop, dx.View, y.View, 9, StreamKey.Fixed(10), Gpu.ZeroStep, 0, 0.4);
        Assert.Equal(SaltPepperReference.Noise(x, 9, 10, 52, 0.4), Download(y));

        using var fx = Upload<float>(x);
        using var fy = Poisoned<float>(n);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, StreamKey, ArrayView<ulong>, ulong, float>(SaltPepperKernels.Noise)(loop.Threads, loop, fx.View, fy.View, 9, StreamKey.Fixed(10), Gpu.ZeroStep, 0, 0.4f);
        Assert.Equal(SaltPepperReference.Noise(Rounded<float>(x), 9, 10, 23, 0.4f), Download(fy));
    }

    [Fact]
    public void Salt_and_pepper_hits_the_requested_fraction_half_salt_half_pepper()
    {
        // 1e5 elements of 0.5, p = 0.2: the hit fraction has standard error √(p(1−p)/n) ≈ 1.26e-3, and
        // the salt share among 2e4 hits √(¼/2e4) ≈ 3.5e-3; allow 5 standard errors each.
        const int n = 100_000;
        using var x = Upload<float>(Enumerable.Repeat(0.5, n).ToArray());
        using var y = Poisoned<float>(n);
        var loop = Gpu.LoopFor(n);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, StreamKey, ArrayView<ulong>, ulong, float>(SaltPepperKernels.Noise)(loop.Threads, loop, x.View, y.View, 3, StreamKey.Fixed(0), Gpu.ZeroStep, 0, 0.2f);
        var v = Download(y);
        Assert.All(v, e => Assert.True(e is 0 or 0.5 or 1));
        int hits = v.Count(e => e != 0.5);
        Assert.Equal(0.2, hits / (double)n, 5 * 1.26e-3);
        Assert.Equal(0.5, v.Count(e => e == 1) / (double)hits, 5 * 3.5e-3);
    }
}
