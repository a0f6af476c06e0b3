using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// The sparsity penalties (L1, KL sparsity): forward and backward against the double reference and finite
/// differences (<see cref="ObjectiveChecks"/>), and the subgradient at zero.
/// </summary>
public sealed class PenaltyKernelTests : ObjectiveKernelTests<PenaltyKernelTests>
{
    [Fact]
    public void L1_gradient_at_zero_is_zero()
    {
        using var h = Upload<double>([0.0, -0.5, 0.5]);
        using var g = Upload<double>([2.0]);
        using var dh = Poisoned<double>(3);
        var loop = Gpu.LoopFor(3);
        Gpu.Load<Loop, ArrayView<double>, ArrayView<double>, ArrayView<double>, double, double>(PenaltyKernels.L1Backward)(loop.Threads, loop, h.View, g.View, dh.View, 0.5, 0);
        Assert.Equal([0.0, -1.0, 1.0], Download(dh));
    }
}
