using static IlgpuAe.Tests.Kernels.KernelHarness;
using IlgpuAe.Compute;
namespace IlgpuAe.Tests.Kernels;

/// <summary>Corruptions equal their reference (same Philox words), do not depend on the launch shape, and corrupt as much as they say.</summary>
public sealed class CorruptionKernelTests
{
    public static TheoryData<int, int> Cases() => SizesAndShapes();

    [Theory, MemberData(nameof(Cases))]
    public void Gaussian_noise_adds_the_reference_normals(int n, int shape)
    {
        var x = RandomValues(1, n);
        var loop = Shape(shape, n);
        using var dx = Upload<float>(x);
        using var y = Poisoned<float>(n);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, StreamKey, ArrayView<ulong>, ulong, float>(CorruptionKernels.GaussianNoise)(loop.Threads, loop, dx.View, y.View, 3, StreamKey.Fixed(4), Gpu.ZeroStep, 0, 0.3f);
        AssertClose<float>(CorruptionReference.GaussianNoise(Rounded<float>(x), 3, 4, 23, 0.3), Download(y), scale: 4, what: "noisy");

        using var dd = Upload<double>(x);
        using var yd = Poisoned<double>(n);
        Gpu.Load<Loop, ArrayView<double>, ArrayView<double>, ulong, StreamKey, ArrayView<ulong>, ulong, double>(CorruptionKernels.GaussianNoise)(loop.Threads, loop, dd.View, yd.View, 3, StreamKey.Fixed(4), Gpu.ZeroStep, 0, 0.3);
        AssertClose<double>(CorruptionReference.GaussianNoise(x, 3, 4, 52, 0.3), Download(yd), scale: 4, what: "noisy");
    }

    [Theory, MemberData(nameof(Cases))]
    public void Masking_noise_zeroes_exactly_the_reference_elements(int n, int shape)
    {
        var x = RandomValues(2, n);
        var loop = Shape(shape, n);
        using var dx = Upload<double>(x);
        using var y = Poisoned<double>(n);
        Gpu.Load<Loop, ArrayView<double>, ArrayView<double>, ulong, StreamKey, ArrayView<ulong>, ulong, double>(CorruptionKernels.MaskingNoise)(loop.Threads, loop, dx.View, y.View, 5, StreamKey.Fixed(6), Gpu.ZeroStep, 0, 0.25);
        Assert.Equal(CorruptionReference.MaskingNoise(x, 5, 6, 52, 0.25), Download(y));
    }

    [Fact]
    public void Masking_noise_drops_the_requested_fraction()
    {
        // 1e5 elements, p = 0.3: the dropped fraction has standard error √(p(1−p)/n) ≈ 1.45e-3; allow 5 of them.
        const int n = 100_000;
        using var x = Upload<float>(Enumerable.Repeat(1.0, n).ToArray());
        using var y = Poisoned<float>(n);
        var loop = Gpu.LoopFor(n);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, StreamKey, ArrayView<ulong>, ulong, float>(CorruptionKernels.MaskingNoise)(loop.Threads, loop, x.View, y.View, 7, StreamKey.Fixed(0), Gpu.ZeroStep, 0, 0.3f);
        var kept = Download(y);
        Assert.All(kept, v => Assert.True(v == 0 || v == 1));
        Assert.Equal(0.3, kept.Count(v => v == 0) / (double)n, 5 * 1.45e-3);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Block_mask_hides_one_rectangle_per_image_at_the_reference_position(int shape)
    {
        const int rows = 9, height = 7, width = 5, blockH = 3, blockW = 2;
        int n = rows * height * width;
        var x = RandomValues(3, n);
        var loop = Shape(shape, n);
        using var dx = Upload<double>(x);
        using var y = Poisoned<double>(n);
        using var observed = Poisoned<double>(n);
        Gpu.Load<Loop, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int, int, int, ulong, StreamKey, ArrayView<ulong>, ulong>(CorruptionKernels.BlockMask)(
            loop.Threads, loop, dx.View, y.View, observed.View, height, width, blockH, blockW, 11, StreamKey.Fixed(12), Gpu.ZeroStep, 0);

        var (expectedY, expectedObserved) = CorruptionReference.BlockMask(x, height, width, blockH, blockW, 11, 12);
        var got = Download(observed);
        Assert.Equal(expectedY, Download(y));
        Assert.Equal(expectedObserved, got);
        for (int r = 0; r < rows; r++)
            Assert.Equal(blockH * blockW, got.Skip(r * height * width).Take(height * width).Count(v => v == 0));
    }

    // The float CPU-accelerator body (Corruption.Cpu.cs) against the same double reference and, where it promises
    // to, the generic kernel's bits: awkward sizes (vector tails, one element, fewer elements than threads), every
    // launch shape, outputs poisoned with NaN.

    public static TheoryData<int, int> CpuCases() => SizesAndShapes();

    [Theory, MemberData(nameof(CpuCases))]
    public void Gaussian_and_masking_corruption_give_the_generic_kernels_bits(int n, int shape)
    {
        const ulong seed = 0x299f31d0a4093822ul, stream = 0x0370734413198a2eul;
        var x = RandomValues(n + 11, n, 0, 1);
        using var dx = Upload<float>(x);
        var loop = Shape(shape, n);
        foreach (bool gaussian in new[] { true, false })
        {
            using var fast = Poisoned<float>(n);
            using var generic = Poisoned<float>(n);
            if (gaussian)
            {
                Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, StreamKey, ArrayView<ulong>, ulong, float>(CorruptionKernels.CpuGaussianNoise)(loop.Threads, loop, dx.View, fast.View, seed, StreamKey.Fixed(stream), Gpu.ZeroStep, 0, 0.3f);
                Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, StreamKey, ArrayView<ulong>, ulong, float>(CorruptionKernels.GaussianNoise)(loop.Threads, loop, dx.View, generic.View, seed, StreamKey.Fixed(stream), Gpu.ZeroStep, 0, 0.3f);
            }
            else
            {
                Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, StreamKey, ArrayView<ulong>, ulong, float>(CorruptionKernels.CpuMaskingNoise)(loop.Threads, loop, dx.View, fast.View, seed, StreamKey.Fixed(stream), Gpu.ZeroStep, 0, 0.25f);
                Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, StreamKey, ArrayView<ulong>, ulong, float>(CorruptionKernels.MaskingNoise)(loop.Threads, loop, dx.View, generic.View, seed, StreamKey.Fixed(stream), Gpu.ZeroStep, 0, 0.25f);
            }
            var got = Download(fast);
            Assert.All(got, v => Assert.False(double.IsNaN(v), "an element was left unwritten"));
            Assert.Equal(Download(generic), got);
        }
    }
}
