namespace IlgpuAe.Tests.Kernels;

/// <summary>The divergences (KL against N(0, I), between two diagonal Gaussians, of a lower-triangular posterior): forward and backward against the double reference in float and double on every launch shape, and backward as the derivative of forward (see <see cref="ObjectiveChecks"/>).</summary>
public sealed class DivergenceKernelTests : ObjectiveKernelTests<DivergenceKernelTests>;
