using Xunit;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// What is particular to the losses. Their agreement with the references and with finite
/// differences is in the objective checks above (<see cref="ObjectiveChecks"/>), with every other differentiable kernel.
/// </summary>
public sealed partial class LossKernelTests
{
    public static TheoryData<string, int, int, int> Objectives() => ObjectiveChecks.Cases("Loss");

    public static TheoryData<string> ObjectiveNames() => ObjectiveChecks.Names("Loss");

    [Theory, MemberData(nameof(Objectives))]
    public void Forward_and_backward_match_the_reference(string objective, int rows, int cols, int shape) =>
        ObjectiveChecks.MatchReference(objective, rows, cols, shape);

    [Theory, MemberData(nameof(ObjectiveNames))]
    public void Backward_is_the_derivative_of_forward(string objective) => ObjectiveChecks.BackwardIsTheDerivativeOfForward(objective);

    static ObjectiveCase Bce => ObjectiveCase.All.Single(c => c.Name == "BceWithLogits");

    [Fact]
    public void Bce_with_logits_is_finite_and_exact_at_logits_of_plus_minus_1e4_in_float()
    {
        double[] z = [1e4, -1e4, 1e4, -1e4, 1e4, -1e4, 88.0, -104.0];
        double[] x = [0, 0, 1, 1, 0.25, 0.75, 0.5, 1];
        var bce = Bce;

        var rowLoss = bce.Forward(typeof(float), [z], x, z.Length, 1, 0);
        var expected = bce.ReferenceForward([z], x, z.Length, 1);
        Assert.All(rowLoss, v => Assert.True(float.IsFinite((float)v)));
        AssertClose<float>(expected, rowLoss, what: "BCE at large |z|");
        Assert.Equal(1e4, rowLoss[0], 1e-3);   // confidently wrong: loss = |z|
        Assert.Equal(0, rowLoss[2], 1e-30);    // confidently right: loss = 0, not NaN from ∞ − ∞

        var grad = bce.Backward(typeof(float), [z], x, z.Length, 1, 1, 1, 0, [], 0)[0];
        AssertClose<float>(bce.ReferenceBackward([z], x, z.Length, 1, 1)[0], grad, what: "BCE gradient at large |z|");
    }
}
