using System.Numerics;
using ILGPU;
using IlgpuAe.Kernels;
using static IlgpuAe.Compute.CpuBody;

namespace IlgpuAe.Compute;

/// <summary>Which statistics a normalisation uses.</summary>
public enum NormStatistics
{
    /// <summary>The batch's own (training; GroupNorm always): they depend on x, and the backward pass says so.</summary>
    Batch,
    /// <summary>BatchNorm's running estimates (evaluation, or frozen statistics): constants.</summary>
    Running,
}

/// <summary>
/// The normalisation family's launcher (<see cref="NormKernels"/>): the float CPU bodies on the CPU accelerator, the generic
/// kernels elsewhere (the same bits). Scratch holds the statistics (mean, variance, 1/√(σ² + ε), two gradient sums each);
/// the backward pass finds them again from x (or the running buffers) rather than keeping them from the forward pass.
/// </summary>
public static class NormLaunch
{
    /// <summary>Scratch elements of either pass: five per statistic.</summary>
    public static long Scratch(in NormShape s) => 5L * s.Statistics;

    /// <summary>Throws <see cref="IlgpuAeException"/> when the shape cannot run.</summary>
    public static void Validate(in NormShape s)
    {
        if (s.Problem() is { } why) throw new IlgpuAeException(why);
    }

    /// <summary>
    /// y = γ·(x − μ)/√(σ² + ε) + β. With <see cref="NormStatistics.Batch"/> and running views (BatchNorm in training) the running
    /// estimates then move toward the batch's by <paramref name="momentum"/>; with <see cref="NormStatistics.Running"/> they are used.
    /// </summary>
    public static void Forward<T>(Device d, in NormShape s, ArrayView<T> x, ArrayView<T> gamma, ArrayView<T> beta, ArrayView<T> y, T eps,
        NormStatistics statistics, ArrayView<T> runningMean, ArrayView<T> runningVariance, T momentum, ArrayView<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(s, x.Length, y.Length, gamma.Length, beta.Length, statistics, runningMean.Length, runningVariance.Length, scratch.Length);
        var (mean, variance, rstd, _) = Split(s, scratch);
        FindStatistics(d, s, x, mean, variance, rstd, eps, statistics, runningMean, runningVariance);
        if (statistics == NormStatistics.Batch && runningMean.Length > 0)
        {
            var loop = d.LoopFor(s.Channels);
            T unbias = T.CreateTruncating(s.Count / (double)(s.Count - 1));
            d.Load<Loop, int, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(NormKernels.UpdateRunning)(
                loop.Threads, loop, s.Channels, mean, variance, runningMean, runningVariance, momentum, unbias);
        }
        var planes = d.LoopFor(s.Planes);
        if (Applies<T>(d))
            d.Load<Loop, NormShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(
                NormKernels.CpuNormalize)(planes.Threads, planes, s, x.Cast<float>(), mean.Cast<float>(), rstd.Cast<float>(), gamma.Cast<float>(),
                beta.Cast<float>(), y.Cast<float>());
        else
            d.Load<Loop, NormShape, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>>(NormKernels.Normalize)(
                planes.Threads, planes, s, x, mean, rstd, gamma, beta, y);
    }

    /// <summary>
    /// dx, dγ, dβ of Σ dy·y (each with its beta; a view of length 0 is not wanted). With batch statistics dx runs through μ and
    /// σ² as well; with running ones it is γ·dy/√(σ² + ε).
    /// </summary>
    public static void Backward<T>(Device d, in NormShape s, ArrayView<T> x, ArrayView<T> gamma, ArrayView<T> dy,
        ArrayView<T> dx, T betaX, ArrayView<T> dgamma, T betaGamma, ArrayView<T> dbeta, T betaBeta, T eps,
        NormStatistics statistics, ArrayView<T> runningMean, ArrayView<T> runningVariance, ArrayView<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(s, x.Length, dy.Length, gamma.Length, gamma.Length, statistics, runningMean.Length, runningVariance.Length, scratch.Length);
        var (mean, variance, rstd, sums) = Split(s, scratch);
        FindStatistics(d, s, x, mean, variance, rstd, eps, statistics, runningMean, runningVariance);
        bool cpu = Applies<T>(d);
        if (dgamma.Length > 0 || dbeta.Length > 0)
        {
            var loop = d.LoopFor(s.Channels);
            if (cpu)
                d.Load<Loop, NormShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, ArrayView<float>, float>(
                    NormKernels.CpuAffineGradients)(loop.Threads, loop, s, x.Cast<float>(), mean.Cast<float>(), rstd.Cast<float>(), dy.Cast<float>(),
                    dgamma.Length > 0 ? dgamma.Cast<float>() : default, F(betaGamma), dbeta.Length > 0 ? dbeta.Cast<float>() : default, F(betaBeta));
            else
                d.Load<Loop, NormShape, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, ArrayView<T>, T>(NormKernels.AffineGradients)(
                    loop.Threads, loop, s, x, mean, rstd, dy, dgamma, betaGamma, dbeta, betaBeta);
        }
        if (dx.Length == 0) return;
        int centred = statistics == NormStatistics.Batch ? 1 : 0;
        if (centred == 1)
        {
            var loop = d.LoopFor(s.Statistics);
            if (cpu)
                d.Load<Loop, NormShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(
                    NormKernels.CpuGradientSums)(loop.Threads, loop, s, x.Cast<float>(), mean.Cast<float>(), rstd.Cast<float>(), dy.Cast<float>(),
                    gamma.Cast<float>(), sums.Cast<float>());
            else
                d.Load<Loop, NormShape, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>>(NormKernels.GradientSums)(
                    loop.Threads, loop, s, x, mean, rstd, dy, gamma, sums);
        }
        T invCount = T.One / T.CreateTruncating((double)s.Count);
        var planes = d.LoopFor(s.Planes);
        if (cpu)
            d.Load<Loop, NormShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, int>(
                NormKernels.CpuInputGradient)(planes.Threads, planes, s, x.Cast<float>(), mean.Cast<float>(), rstd.Cast<float>(), dy.Cast<float>(),
                gamma.Cast<float>(), sums.Cast<float>(), dx.Cast<float>(), F(betaX), F(invCount), centred);
        else
            d.Load<Loop, NormShape, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T, int>(NormKernels.InputGradient)(
                planes.Threads, planes, s, x, mean, rstd, dy, gamma, sums, dx, betaX, invCount, centred);
    }

    static void FindStatistics<T>(Device d, in NormShape s, ArrayView<T> x, ArrayView<T> mean, ArrayView<T> variance, ArrayView<T> rstd, T eps,
        NormStatistics statistics, ArrayView<T> runningMean, ArrayView<T> runningVariance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (statistics == NormStatistics.Running)
        {
            var loop = d.LoopFor(s.Channels);
            d.Load<Loop, int, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T>(NormKernels.RunningStatistics)(
                loop.Threads, loop, s.Channels, runningMean, runningVariance, mean, rstd, eps);
            return;
        }
        var units = d.LoopFor(s.Statistics);
        T invCount = T.One / T.CreateTruncating((double)s.Count);
        if (Applies<T>(d))
            d.Load<Loop, NormShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float>(NormKernels.CpuStatistics)(
                units.Threads, units, s, x.Cast<float>(), mean.Cast<float>(), variance.Cast<float>(), rstd.Cast<float>(), F(invCount), F(eps));
        else
            d.Load<Loop, NormShape, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(NormKernels.Statistics)(
                units.Threads, units, s, x, mean, variance, rstd, invCount, eps);
    }

    static (ArrayView<T> Mean, ArrayView<T> Variance, ArrayView<T> Rstd, ArrayView<T> Sums) Split<T>(in NormShape s, ArrayView<T> scratch) where T : unmanaged
    {
        long n = s.Statistics;
        return (scratch.SubView(0, n), scratch.SubView(n, n), scratch.SubView(2 * n, n), scratch.SubView(3 * n, 2 * n));
    }

    static void Check(in NormShape s, long x, long y, long gamma, long beta, NormStatistics statistics, long runningMean, long runningVariance, long scratch)
    {
        Validate(s);
        if (x != s.Length || y != s.Length) throw new ArgumentException($"{s}: the maps have {x} and {y} elements, expected {s.Length}");
        if (gamma != s.Channels || beta != s.Channels) throw new ArgumentException($"{s}: γ and β have {gamma} and {beta} elements, expected {s.Channels}");
        if (statistics == NormStatistics.Running && !s.Batchwise) throw new ArgumentException($"{s}: only batch normalisation keeps running statistics");
        bool wantRunning = statistics == NormStatistics.Running || runningMean > 0 || runningVariance > 0;
        if (wantRunning && (!s.Batchwise || runningMean != s.Channels || runningVariance != s.Channels))
            throw new ArgumentException($"{s}: the running mean and variance have {runningMean} and {runningVariance} elements, expected {s.Channels}");
        if (statistics == NormStatistics.Batch && runningMean > 0 && s.Count < 2)
            throw new IlgpuAeException($"{s}: batch normalisation in training needs more than one value per channel (a batch of {s.Batch} images of {s.Plane} pixels)");
        if (scratch < Scratch(s)) throw new ArgumentException($"{s}: scratch of {scratch} elements, needs {Scratch(s)}");
    }
}
