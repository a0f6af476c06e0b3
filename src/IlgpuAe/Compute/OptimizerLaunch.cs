using System.Numerics;
using ILGPU;
using IlgpuAe.Kernels;
using static IlgpuAe.Compute.CpuBody;

namespace IlgpuAe.Compute;

/// <summary>Launches of the optimizer steps: Adam's float CPU body on the CPU accelerator, else the generic kernels.</summary>
public static class OptimizerLaunch
{
    /// <summary>
    /// One Adam (or, <paramref name="decoupled"/>, AdamW) step in place on p, m and v at the 1-based <paramref name="step"/>:
    /// the bias corrections 1 − β^step are computed here once, in double, then rounded to T.
    /// </summary>
    /// The step does nothing while <paramref name="gate"/> is shut (<see cref="ParameterStore{T}.Gate"/>).
    public static void Adam<T>(Device d, ArrayView<T> p, ArrayView<T> g, ArrayView<T> m, ArrayView<T> v,
        double lr, double beta1, double beta2, double eps, double weightDecay, long step, bool decoupled, ArrayView<long> gate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double bias1 = 1 - Math.Pow(beta1, step), bias2 = 1 - Math.Pow(beta2, step);
        var loop = d.LoopFor(p.Length);
        if (Applies<T>(d))
        {
            var s = new AdamScalars((float)lr, (float)beta1, (float)beta2, (float)eps, (float)weightDecay, (float)bias1, (float)bias2, decoupled);
            d.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamScalars, ArrayView<long>>(OptimizerKernels.CpuAdam)(
                loop.Threads, loop, p.Cast<float>(), g.Cast<float>(), m.Cast<float>(), v.Cast<float>(), s, gate);
            return;
        }
        var scalars = new AdamStep<T>(T.CreateTruncating(lr), T.CreateTruncating(beta1), T.CreateTruncating(beta2), T.CreateTruncating(eps),
            T.CreateTruncating(weightDecay), T.CreateTruncating(bias1), T.CreateTruncating(bias2), decoupled);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, AdamStep<T>, ArrayView<long>>(OptimizerKernels.Adam)(
            loop.Threads, loop, p, g, m, v, scalars, gate);
    }

    /// <summary>The device divergence guard, one thread (see <see cref="OptimizerKernels.CheckFinite{T}"/>).</summary>
    public static void CheckFinite<T>(Device d, ArrayView<T> terms, int count, ArrayView<T> squaredNorm, ArrayView<long> gate, long step, int epoch, int batch)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        d.Load<ArrayView<T>, int, ArrayView<T>, ArrayView<long>, long, int, int>(OptimizerKernels.CheckFinite)(1, terms, count, squaredNorm, gate, step, epoch, batch);
}
