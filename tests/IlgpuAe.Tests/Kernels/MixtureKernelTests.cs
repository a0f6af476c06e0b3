namespace IlgpuAe.Tests.Kernels;

/// <summary>The Gaussian-mixture prior's negative log-density: forward and backward against the double reference in float and double on every launch shape, and backward as the derivative of forward (see <see cref="ObjectiveChecks"/>).</summary>
public sealed class MixtureKernelTests : ObjectiveKernelTests<MixtureKernelTests>;
