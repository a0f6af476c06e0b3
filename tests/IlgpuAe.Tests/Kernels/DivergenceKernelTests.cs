using static IlgpuAe.Tests.Kernels.KernelHarness;
namespace IlgpuAe.Tests.Kernels;

/// <summary>The divergences (KL against N(0, I), between two diagonal Gaussians, of a lower-triangular posterior): forward and backward against the double reference in float and double on every launch shape, and backward as the derivative of forward (see <see cref="ObjectiveChecks"/>).</summary>
public sealed class DivergenceKernelTests : ObjectiveKernelTests<DivergenceKernelTests>
{
    [Fact]
    public void Diagonal_KL_rows_over_200000_floats_are_within_1e6_of_double()
    {
        const int rows = 8, cols = LongSum / rows;
        var mu = Rounded<float>(RandomValues(41, LongSum, -2, 2));
        var lv = Rounded<float>(RandomValues(42, LongSum, -2, 1));
        using var dmu = Upload<float>(mu);
        using var dlv = Upload<float>(lv);
        using var kl = Poisoned<float>(rows);
        var loop = Gpu.LoopFor(rows);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(DivergenceKernels.KlDiagonalForward)(loop.Threads, loop, dmu.View, dlv.View, kl.View, cols);
        var expected = Enumerable.Range(0, rows).Select(r => 0.5 * Enumerable.Range(r * cols, cols).Sum(i => mu[i] * mu[i] + Math.Exp(lv[i]) - 1 - lv[i])).ToArray();
        WithinOneMicro(expected, Download(kl), "diagonal KL rows");
    }

    // One launch for the value and the gradient (where the plan fuses a term's backward into its forward): the same bits as
    // the two launches it replaces, the reference, and the derivative of its own values.

    public static TheoryData<string, int, int, int> FusedCases() => FusedLossChecks.Cases("Divergence");

    public static TheoryData<string> FusedNames() => FusedLossChecks.Names("Divergence");

    [Theory, MemberData(nameof(FusedCases))]
    public void Value_and_gradient_in_one_launch_equal_the_forward_and_backward_launches_and_the_reference(string objective, int rows, int cols, int shape) =>
        FusedLossChecks.MatchesTheTwoLaunchesAndTheReference(objective, rows, cols, shape);

    [Theory, MemberData(nameof(FusedNames))]
    public void Value_and_gradient_in_one_launch_give_the_derivative_of_the_values(string objective) =>
        FusedLossChecks.GradientIsTheDerivativeOfTheValues(objective);
}
