using ILGPU.IR.Intrinsics;
using static IlgpuAe.Kernels.CpuIntrinsics;

namespace IlgpuAe.Kernels;

// The CPU accelerator's float bodies of the normalisation kernels (see CpuIntrinsics): the generic units' loops over raw
// pointers, the same operations in the same order, so the same bits (a test holds them to it). Through ArrayView's indexer
// from .NET code each element costs a call; pointers do not. The two per-channel kernels of the running statistics touch
// a few dozen elements and stay generic.
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
        float invCount, float eps, int u0, int u1) => NormCpu.Statistics(s, x, mean, variance, rstd, invCount, eps, u0, u1);

    /// <summary>Planes [u0, u1) of <see cref="Normalize{T}"/>.</summary>
    [IntrinsicImplementation]
    public static void NormalizeRun(NormShape s, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> rstd, ArrayView<float> gamma,
        ArrayView<float> beta, ArrayView<float> y, int u0, int u1) => NormCpu.Normalize(s, x, mean, rstd, gamma, beta, y, u0, u1);

    /// <summary>Channels [c0, c1) of <see cref="AffineGradients{T}"/>.</summary>
    [IntrinsicImplementation]
    public static void AffineGradientsRun(NormShape s, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> rstd, ArrayView<float> dy,
        ArrayView<float> dgamma, float betaGamma, ArrayView<float> dbeta, float betaBeta, int c0, int c1) =>
        NormCpu.AffineGradients(s, x, mean, rstd, dy, dgamma, betaGamma, dbeta, betaBeta, c0, c1);

    /// <summary>Statistics [u0, u1) of <see cref="GradientSums{T}"/>.</summary>
    [IntrinsicImplementation]
    public static void GradientSumsRun(NormShape s, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> rstd, ArrayView<float> dy,
        ArrayView<float> gamma, ArrayView<float> sums, int u0, int u1) => NormCpu.GradientSums(s, x, mean, rstd, dy, gamma, sums, u0, u1);

    /// <summary>Planes [u0, u1) of <see cref="InputGradient{T}"/>.</summary>
    [IntrinsicImplementation]
    public static void InputGradientRun(NormShape s, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> rstd, ArrayView<float> dy,
        ArrayView<float> gamma, ArrayView<float> sums, ArrayView<float> dx, float beta, float invCount, int centred, int u0, int u1) =>
        NormCpu.InputGradient(s, x, mean, rstd, dy, gamma, sums, dx, beta, invCount, centred, u0, u1);

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

    // The ordinary .NET bodies behind the helpers; never seen by ILGPU's compiler. Each mirrors its generic units line for line.
    static unsafe class NormCpu
    {
        static int PlaneCount(in NormShape s) => s.Batchwise ? s.Batch : s.GroupChannels;

        static long PlaneStart(in NormShape s, int u, int k) => s.Batchwise
            ? ((long)k * s.Channels + u) * s.Plane
            : ((long)(u / s.Groups) * s.Channels + (u % s.Groups) * s.GroupChannels + k) * s.Plane;

        public static void Statistics(in NormShape s, ArrayView<float> xv, ArrayView<float> meanv, ArrayView<float> variancev, ArrayView<float> rstdv,
            float invCount, float eps, int u0, int u1)
        {
            if (u1 <= u0) return;
            float* x = Ptr(xv), mean = Ptr(meanv), variance = Ptr(variancev), rstd = Ptr(rstdv);
            int planes = PlaneCount(s);
            for (int u = u0; u < u1; u++)
            {
                float sum = 0f;
                for (int k = 0; k < planes; k++)
                {
                    float* o = x + PlaneStart(s, u, k);
                    for (int p = 0; p < s.Plane; p++) sum += o[p];
                }
                float m = sum * invCount;
                float sq = 0f;
                for (int k = 0; k < planes; k++)
                {
                    float* o = x + PlaneStart(s, u, k);
                    for (int p = 0; p < s.Plane; p++)
                    {
                        float d = o[p] - m;
                        sq += d * d;
                    }
                }
                float v = sq * invCount;
                mean[u] = m;
                variance[u] = v;
                rstd[u] = 1f / MathF.Sqrt(v + eps);
            }
        }

        public static void Normalize(in NormShape s, ArrayView<float> xv, ArrayView<float> meanv, ArrayView<float> rstdv, ArrayView<float> gammav,
            ArrayView<float> betav, ArrayView<float> yv, int u0, int u1)
        {
            if (u1 <= u0) return;
            float* x = Ptr(xv), mean = Ptr(meanv), rstd = Ptr(rstdv), gamma = Ptr(gammav), beta = Ptr(betav), y = Ptr(yv);
            for (int u = u0; u < u1; u++)
            {
                int b = u / s.Channels, c = u - b * s.Channels, k = s.StatisticOf(b, c);
                float m = mean[k], r = rstd[k], g = gamma[c], sh = beta[c];
                float* xo = x + (long)u * s.Plane, yo = y + (long)u * s.Plane;
                for (int p = 0; p < s.Plane; p++) yo[p] = g * ((xo[p] - m) * r) + sh;
            }
        }

        public static void AffineGradients(in NormShape s, ArrayView<float> xv, ArrayView<float> meanv, ArrayView<float> rstdv, ArrayView<float> dyv,
            ArrayView<float> dgammav, float betaGamma, ArrayView<float> dbetav, float betaBeta, int c0, int c1)
        {
            if (c1 <= c0) return;
            float* x = Ptr(xv), mean = Ptr(meanv), rstd = Ptr(rstdv), dy = Ptr(dyv);
            float* dgamma = dgammav.Length > 0 ? Ptr(dgammav) : null, dbeta = dbetav.Length > 0 ? Ptr(dbetav) : null;
            for (int c = c0; c < c1; c++)
            {
                float sg = 0f, sb = 0f;
                for (int b = 0; b < s.Batch; b++)
                {
                    int k = s.StatisticOf(b, c);
                    float m = mean[k], r = rstd[k];
                    long o = ((long)b * s.Channels + c) * s.Plane;
                    float* xo = x + o, go = dy + o;
                    for (int p = 0; p < s.Plane; p++)
                    {
                        float g = go[p];
                        sg += g * ((xo[p] - m) * r);
                        sb += g;
                    }
                }
                if (dgamma is not null) dgamma[c] = betaGamma == 0 ? sg : betaGamma * dgamma[c] + sg;
                if (dbeta is not null) dbeta[c] = betaBeta == 0 ? sb : betaBeta * dbeta[c] + sb;
            }
        }

        public static void GradientSums(in NormShape s, ArrayView<float> xv, ArrayView<float> meanv, ArrayView<float> rstdv, ArrayView<float> dyv,
            ArrayView<float> gammav, ArrayView<float> sumsv, int u0, int u1)
        {
            if (u1 <= u0) return;
            float* x = Ptr(xv), mean = Ptr(meanv), rstd = Ptr(rstdv), dy = Ptr(dyv), gamma = Ptr(gammav), sums = Ptr(sumsv);
            int planes = PlaneCount(s);
            for (int u = u0; u < u1; u++)
            {
                float m = mean[u], r = rstd[u], s1 = 0f, s2 = 0f;
                for (int k = 0; k < planes; k++)
                {
                    long o = PlaneStart(s, u, k);
                    float gm = gamma[(int)(o / s.Plane % s.Channels)];
                    float* xo = x + o, go = dy + o;
                    for (int p = 0; p < s.Plane; p++)
                    {
                        float g = go[p] * gm;
                        s1 += g;
                        s2 += g * ((xo[p] - m) * r);
                    }
                }
                sums[2 * u] = s1;
                sums[2 * u + 1] = s2;
            }
        }

        public static void InputGradient(in NormShape s, ArrayView<float> xv, ArrayView<float> meanv, ArrayView<float> rstdv, ArrayView<float> dyv,
            ArrayView<float> gammav, ArrayView<float> sumsv, ArrayView<float> dxv, float beta, float invCount, int centred, int u0, int u1)
        {
            if (u1 <= u0) return;
            float* x = Ptr(xv), mean = Ptr(meanv), rstd = Ptr(rstdv), dy = Ptr(dyv), gamma = Ptr(gammav), dx = Ptr(dxv);
            float* sums = centred != 0 ? Ptr(sumsv) : null;
            for (int u = u0; u < u1; u++)
            {
                int b = u / s.Channels, c = u - b * s.Channels, k = s.StatisticOf(b, c);
                float m = mean[k], r = rstd[k], gm = gamma[c];
                float meanG = centred != 0 ? sums[2 * k] * invCount : 0f, meanGx = centred != 0 ? sums[2 * k + 1] * invCount : 0f;
                long o = (long)u * s.Plane;
                float* xo = x + o, go = dy + o, d = dx + o;
                for (int p = 0; p < s.Plane; p++)
                {
                    float g = go[p] * gm;
                    float v = centred != 0 ? r * (g - meanG - (xo[p] - m) * r * meanGx) : r * g;
                    d[p] = beta == 0 ? v : beta * d[p] + v;
                }
            }
        }
    }
}
