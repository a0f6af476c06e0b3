using ILGPU;
using IlgpuAe.Compute;
using IlgpuAe.Kernels;
using Xunit;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

// The float CPU-accelerator body of the family (Random.Cpu.cs, a .NET body behind an ILGPU intrinsic) against the same
// double reference as the generic kernel it stands in for, on awkward sizes (vector tails, one element, fewer elements
// than threads) and every launch shape, outputs poisoned with NaN.
public sealed partial class RandomKernelTests
{
    public static TheoryData<int, int> CpuCases() => SizesAndShapes();

    [Theory, MemberData(nameof(CpuCases))]
    public void Normal_matches_the_reference_and_the_generic_kernel_bit_for_bit(int n, int shape)
    {
        // Large seed and stream words, so that the high halves of the Philox counter and key are exercised.
        const ulong seed = 0x299f31d0a4093822ul, stream = 0x0370734413198a2eul;
        var loop = Shape(shape, n);
        using var y = Poisoned<float>(n);
        Gpu.Load<Loop, ArrayView<float>, ulong, ulong, float, float>(RandomKernels.CpuNormal)(loop.Threads, loop, y.View, seed, stream, 1.5f, 2f);
        var got = Download(y);
        Assert.All(got, v => Assert.False(double.IsNaN(v), "an element was left unwritten"));
        AssertClose<float>(Enumerable.Range(0, n).Select(i => RandomReference.Normal(seed, stream, i, 23, 1.5, 2)).ToArray(), got,
            scale: 4, what: "normal");

        // The generic kernel, in every launch shape, gives the same bits (the engine's runs repeat whichever path draws).
        using var generic = Poisoned<float>(n);
        Gpu.Load<Loop, ArrayView<float>, ulong, ulong, float, float>(RandomKernels.Normal)(loop.Threads, loop, generic.View, seed, stream, 1.5f, 2f);
        Assert.Equal(Download(generic), got);
    }
}
