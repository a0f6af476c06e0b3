namespace IlgpuAe.Tests.Kernels;

/// <summary>The divergences (KL against N(0, I), between two diagonal Gaussians, of a lower-triangular posterior): forward and backward against the double reference in float and double on every launch shape, and backward as the derivative of forward (see <see cref="ObjectiveChecks"/>).</summary>
public sealed class DivergenceKernelTests
{
    public static TheoryData<string, int, int, int> Objectives() => ObjectiveChecks.Cases("Divergence");

    public static TheoryData<string> ObjectiveNames() => ObjectiveChecks.Names("Divergence");

    [Theory, MemberData(nameof(Objectives))]
    public void Forward_and_backward_match_the_reference(string objective, int rows, int cols, int shape) =>
        ObjectiveChecks.MatchReference(objective, rows, cols, shape);

    [Theory, MemberData(nameof(ObjectiveNames))]
    public void Backward_is_the_derivative_of_forward(string objective) => ObjectiveChecks.BackwardIsTheDerivativeOfForward(objective);
}
