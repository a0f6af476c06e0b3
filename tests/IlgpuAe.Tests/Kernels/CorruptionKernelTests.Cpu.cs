using ILGPU;
using IlgpuAe.Compute;
using IlgpuAe.Kernels;
using Xunit;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

// The float CPU-accelerator body of the family (Corruption.Cpu.cs, a .NET body behind an ILGPU intrinsic) against the same
// double reference as the generic kernel it stands in for, on awkward sizes (vector tails, one element, fewer elements
// than threads) and every launch shape, outputs poisoned with NaN.
public sealed partial class CorruptionKernelTests
{
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
                Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, ulong, float>(CorruptionKernels.CpuGaussianNoise)(loop.Threads, loop, dx.View, fast.View, seed, stream, 0.3f);
                Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, ulong, float>(CorruptionKernels.GaussianNoise)(loop.Threads, loop, dx.View, generic.View, seed, stream, 0.3f);
            }
            else
            {
                Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, ulong, float>(CorruptionKernels.CpuMaskingNoise)(loop.Threads, loop, dx.View, fast.View, seed, stream, 0.25f);
                Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, ulong, float>(CorruptionKernels.MaskingNoise)(loop.Threads, loop, dx.View, generic.View, seed, stream, 0.25f);
            }
            var got = Download(fast);
            Assert.All(got, v => Assert.False(double.IsNaN(v), "an element was left unwritten"));
            Assert.Equal(Download(generic), got);
        }
    }
}
