using ILGPU;
using IlgpuAe.Kernels;
using Xunit;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// The contractive penalty's weight side: ‖J‖²_F depends on the encoder weight W only through its
/// squared row norms, computed and differentiated by two small kernels checked here. The penalties'
/// gradients themselves are in <see cref="ObjectiveKernelTests"/>.
/// </summary>
public sealed class PenaltyKernelTests
{
    [Theory]
    [InlineData(1, 1, 0)]
    [InlineData(7, 13, 1)]
    [InlineData(64, 100, 2)]
    public void Weight_row_norms_and_their_chain_rule_match_the_reference(int units, int inputs, int shape)
    {
        var w = RandomValues(units + inputs, units * inputs);
        var dNorms = RandomValues(5, units);
        using var dw = Upload<double>(w);
        using var norms = Poisoned<double>(units);
        var unitLoop = Shape(shape, units);
        Gpu.Load<Loop, ArrayView<double>, ArrayView<double>, int>(ContractiveKernels.WeightNorms)(unitLoop.Threads, unitLoop, dw.View, norms.View, inputs);
        AssertClose<double>(ContractiveReference.WeightNorms(w, units, inputs), Download(norms), scale: inputs, what: "row norms");

        using var dd = Upload<double>(dNorms);
        using var grad = Poisoned<double>(units * inputs);
        var loop = Shape(shape, units * inputs);
        var chain = Gpu.Load<Loop, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, double>(ContractiveKernels.WeightNormsBackward);
        chain(loop.Threads, loop, dw.View, dd.View, grad.View, inputs, 0);
        var expected = ContractiveReference.WeightGrad(w, dNorms, inputs);
        AssertClose<double>(expected, Download(grad), what: "dW");

        chain(loop.Threads, loop, dw.View, dd.View, grad.View, inputs, 1);
        AssertClose<double>(expected.Select(v => 2 * v).ToArray(), Download(grad), what: "dW accumulated");
    }

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
