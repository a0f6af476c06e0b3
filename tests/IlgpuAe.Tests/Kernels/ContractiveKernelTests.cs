using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// The contractive penalty's kernels against <see cref="ContractiveReference"/>: ‖J‖²_F depends on the encoder weight W
/// only through its squared row norms (two small kernels), and the fused one-layer penalty Σ_j f'(a_j)²·‖W_j‖² is
/// written from the code h = f(a). Their gradients through whole encoders are in Regularized/ContractiveProperties.
/// </summary>
public sealed class ContractiveKernelTests
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

    public static TheoryData<Activation, int> FusedCases()
    {
        var data = new TheoryData<Activation, int>();
        foreach (var f in Enum.GetValues<Activation>())
            for (int s = 0; s < ShapeCount; s++) data.Add(f, s);
        return data;
    }

    [Theory, MemberData(nameof(FusedCases))]
    public void Fused_penalty_from_the_code_matches_the_reference_from_the_pre_activation(Activation f, int shape)
    {
        const int rows = 9, units = 13, inputs = 5;
        const double slope = 0.2;
        var pre = RandomValues(rows + (int)f, rows * units, -3, 3);
        var h = pre.Select(a => ActivationReference.Forward(f, a, slope)).ToArray();
        var w = RandomValues(3, units * inputs);
        using var dh = Upload<double>(h);
        using var norms = Upload<double>(ContractiveReference.WeightNorms(w, units, inputs));
        using var penalty = Poisoned<double>(rows);
        var loop = Shape(shape, rows);
        Gpu.Load<Loop, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int, double>(ContractiveKernels.FusedForward)(
            loop.Threads, loop, dh.View, norms.View, penalty.View, units, (int)f, slope);
        AssertClose<double>(ContractiveReference.Fused(f, slope, pre, w, rows, units, inputs), Download(penalty), scale: units,
            what: $"{f} fused penalty");
    }

    [Fact]
    public void Squared_row_norms_and_the_fused_penalty_over_200000_floats_are_within_1e6_of_double()
    {
        const int units = 8, inputs = LongSum / units;
        var w = Rounded<float>(RandomValues(31, LongSum, -1, 1));
        using var dw = Upload<float>(w);
        using var norms = Poisoned<float>(units);
        var loop = Gpu.LoopFor(units);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, int>(ContractiveKernels.WeightNorms)(loop.Threads, loop, dw.View, norms.View, inputs);
        WithinOneMicro(ContractiveReference.WeightNorms(w, units, inputs), Download(norms), "squared row norms");

        // 8 rows of 25,000 sigmoid units, each weighted by its own positive w_j.
        var h = Rounded<float>(RandomValues(32, LongSum, 0.05, 0.95));
        var wj = Rounded<float>(RandomValues(33, inputs, 0.05, 2));
        using var dh = Upload<float>(h);
        using var dwj = Upload<float>(wj);
        using var penalty = Poisoned<float>(units);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>(ContractiveKernels.FusedForward)(
            loop.Threads, loop, dh.View, dwj.View, penalty.View, inputs, (int)Activation.Sigmoid, 0f);
        var expected = Enumerable.Range(0, units).Select(r => Enumerable.Range(0, inputs).Sum(c =>
        {
            double y = h[r * inputs + c], s = y * (1 - y);
            return s * s * wj[c];
        })).ToArray();
        WithinOneMicro(expected, Download(penalty), "fused contractive penalty rows");
    }
}
