using ILGPU.IR.Intrinsics;
using static IlgpuAe.Kernels.CpuIntrinsics;

namespace IlgpuAe.Kernels;

// The CPU accelerator's float bodies of the normalisation kernels (see CpuIntrinsics). Each helper's .NET body is the very
// units method the generic kernel runs, so the bits are the same by construction; what changes is who compiles it: the .NET
// JIT, not ILGPU's CPU code generator (which the other families measured at a few percent of a memory copy). The two
// per-channel kernels of the running statistics are a few dozen elements and stay generic.
public static partial class NormKernels
{
    /// <summary>CPU body of <see cref="Statistics{T}"/>.</summary>
    public static void CpuStatistics(Index1D t, Loop loop, NormShape s, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> variance,
        ArrayView<float> rstd, float invCount, float eps)
    {
        int n = s.Statistics;
        for (int first = loop.First(t); first < n; first += loop.Step)
            StatisticsRun(s, x, mean, variance, rstd, invCount, eps, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>CPU body of <see cref="Normalize{T}"/>.</summary>
    public static void CpuNormalize(Index1D t, Loop loop, NormShape s, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> rstd,
        ArrayView<float> gamma, ArrayView<float> beta, ArrayView<float> y)
    {
        int n = s.Planes;
        for (int first = loop.First(t); first < n; first += loop.Step)
            NormalizeRun(s, x, mean, rstd, gamma, beta, y, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>CPU body of <see cref="AffineGradients{T}"/>.</summary>
    public static void CpuAffineGradients(Index1D t, Loop loop, NormShape s, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> rstd,
        ArrayView<float> dy, ArrayView<float> dgamma, float betaGamma, ArrayView<float> dbeta, float betaBeta)
    {
        int n = s.Channels;
        for (int first = loop.First(t); first < n; first += loop.Step)
            AffineGradientsRun(s, x, mean, rstd, dy, dgamma, betaGamma, dbeta, betaBeta, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>CPU body of <see cref="GradientSums{T}"/>.</summary>
    public static void CpuGradientSums(Index1D t, Loop loop, NormShape s, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> rstd,
        ArrayView<float> dy, ArrayView<float> gamma, ArrayView<float> sums)
    {
        int n = s.Statistics;
        for (int first = loop.First(t); first < n; first += loop.Step)
            GradientSumsRun(s, x, mean, rstd, dy, gamma, sums, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>CPU body of <see cref="InputGradient{T}"/>.</summary>
    public static void CpuInputGradient(Index1D t, Loop loop, NormShape s, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> rstd,
        ArrayView<float> dy, ArrayView<float> gamma, ArrayView<float> sums, ArrayView<float> dx, float beta, float invCount, int centred)
    {
        int n = s.Planes;
        for (int first = loop.First(t); first < n; first += loop.Step)
            InputGradientRun(s, x, mean, rstd, dy, gamma, sums, dx, beta, invCount, centred, first, Math.Min(first + loop.Span, n));
    }

    // The helpers: on the CPU accelerator the .NET body runs as it is; PTX and OpenCL compile the scalar twin (the same call).

    /// <summary>Statistics [u0, u1) of <see cref="Statistics{T}"/>.</summary>
    [IntrinsicImplementation]
    public static void StatisticsRun(NormShape s, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> variance, ArrayView<float> rstd,
        float invCount, float eps, int u0, int u1) => StatisticsUnits(s, x, mean, variance, rstd, invCount, eps, u0, u1);

    /// <summary>Planes [u0, u1) of <see cref="Normalize{T}"/>.</summary>
    [IntrinsicImplementation]
    public static void NormalizeRun(NormShape s, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> rstd, ArrayView<float> gamma,
        ArrayView<float> beta, ArrayView<float> y, int u0, int u1) => NormalizeUnits(s, x, mean, rstd, gamma, beta, y, u0, u1);

    /// <summary>Channels [c0, c1) of <see cref="AffineGradients{T}"/>.</summary>
    [IntrinsicImplementation]
    public static void AffineGradientsRun(NormShape s, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> rstd, ArrayView<float> dy,
        ArrayView<float> dgamma, float betaGamma, ArrayView<float> dbeta, float betaBeta, int c0, int c1) =>
        AffineGradientsUnits(s, x, mean, rstd, dy, dgamma, betaGamma, dbeta, betaBeta, c0, c1);

    /// <summary>Statistics [u0, u1) of <see cref="GradientSums{T}"/>.</summary>
    [IntrinsicImplementation]
    public static void GradientSumsRun(NormShape s, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> rstd, ArrayView<float> dy,
        ArrayView<float> gamma, ArrayView<float> sums, int u0, int u1) => GradientSumsUnits(s, x, mean, rstd, dy, gamma, sums, u0, u1);

    /// <summary>Planes [u0, u1) of <see cref="InputGradient{T}"/>.</summary>
    [IntrinsicImplementation]
    public static void InputGradientRun(NormShape s, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> rstd, ArrayView<float> dy,
        ArrayView<float> gamma, ArrayView<float> sums, ArrayView<float> dx, float beta, float invCount, int centred, int u0, int u1) =>
        InputGradientUnits(s, x, mean, rstd, dy, gamma, sums, dx, beta, invCount, centred, u0, u1);

    /// <summary>The twin of <see cref="StatisticsRun"/> that PTX and OpenCL compile.</summary>
    public static void StatisticsRunScalar(NormShape s, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> variance, ArrayView<float> rstd,
        float invCount, float eps, int u0, int u1) => StatisticsUnits(s, x, mean, variance, rstd, invCount, eps, u0, u1);

    /// <summary>The twin of <see cref="NormalizeRun"/> that PTX and OpenCL compile.</summary>
    public static void NormalizeRunScalar(NormShape s, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> rstd, ArrayView<float> gamma,
        ArrayView<float> beta, ArrayView<float> y, int u0, int u1) => NormalizeUnits(s, x, mean, rstd, gamma, beta, y, u0, u1);

    /// <summary>The twin of <see cref="AffineGradientsRun"/> that PTX and OpenCL compile.</summary>
    public static void AffineGradientsRunScalar(NormShape s, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> rstd, ArrayView<float> dy,
        ArrayView<float> dgamma, float betaGamma, ArrayView<float> dbeta, float betaBeta, int c0, int c1) =>
        AffineGradientsUnits(s, x, mean, rstd, dy, dgamma, betaGamma, dbeta, betaBeta, c0, c1);

    /// <summary>The twin of <see cref="GradientSumsRun"/> that PTX and OpenCL compile.</summary>
    public static void GradientSumsRunScalar(NormShape s, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> rstd, ArrayView<float> dy,
        ArrayView<float> gamma, ArrayView<float> sums, int u0, int u1) => GradientSumsUnits(s, x, mean, rstd, dy, gamma, sums, u0, u1);

    /// <summary>The twin of <see cref="InputGradientRun"/> that PTX and OpenCL compile.</summary>
    public static void InputGradientRunScalar(NormShape s, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> rstd, ArrayView<float> dy,
        ArrayView<float> gamma, ArrayView<float> sums, ArrayView<float> dx, float beta, float invCount, int centred, int u0, int u1) =>
        InputGradientUnits(s, x, mean, rstd, dy, gamma, sums, dx, beta, invCount, centred, u0, u1);

    internal static void RegisterCpuTwins(Context context)
    {
        Redirect(context, typeof(NormKernels), nameof(StatisticsRun), nameof(StatisticsRunScalar));
        Redirect(context, typeof(NormKernels), nameof(NormalizeRun), nameof(NormalizeRunScalar));
        Redirect(context, typeof(NormKernels), nameof(AffineGradientsRun), nameof(AffineGradientsRunScalar));
        Redirect(context, typeof(NormKernels), nameof(GradientSumsRun), nameof(GradientSumsRunScalar));
        Redirect(context, typeof(NormKernels), nameof(InputGradientRun), nameof(InputGradientRunScalar));
    }
}
