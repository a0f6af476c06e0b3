namespace IlgpuAe.Tests.Kernels;

/// <summary>The reparameterisations z = mu + B·eps (diagonal and lower-triangular B): forward and backward against the double reference in float and double on every launch shape, and backward as the derivative of forward (see <see cref="ObjectiveChecks"/>).</summary>
public sealed class SamplingKernelTests : ObjectiveKernelTests<SamplingKernelTests>;
