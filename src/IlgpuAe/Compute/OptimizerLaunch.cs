using System.Numerics;
using ILGPU;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;
using static IlgpuAe.Compute.CpuBody;

namespace IlgpuAe.Compute;

/// <summary>Launches of the optimizer steps: Adam's float CPU body on the CPU accelerator, else the generic kernels.</summary>
public static class OptimizerLaunch
{
    /// <summary>
    /// The device divergence guard, one thread (see <see cref="OptimizerKernels.CheckFinite{T}"/>); <paramref name="position"/>
    /// holds the step, epoch and batch it records.
    /// </summary>
    public static void CheckFinite<T>(Device d, ArrayView<T> terms, int count, ArrayView<T> squaredNorm, ArrayView<long> gate, ArrayView<long> position)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        d.Load<ArrayView<T>, int, ArrayView<T>, ArrayView<long>, ArrayView<long>>(OptimizerKernels.CheckFinite)(1, terms, count, squaredNorm, gate, position);
}

/// <summary>
/// One Adam (or AdamW) step's launch and its per-step scalars in device memory: <see cref="Stage"/> computes the bias
/// corrections 1 − β^step once, in double, rounds them and the learning rate to T as the kernels always had them, and
/// queues their upload; <see cref="Launch"/> queues the kernel, whose arguments are the same at every step.
/// </summary>
sealed class AdamLaunch<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly Device _device;
    readonly DeviceScalars<AdamScalars>? _cpu;
    readonly DeviceScalars<AdamStep<T>>? _generic;

    public AdamLaunch(Device device)
    {
        _device = device;
        if (Applies<T>(device)) _cpu = new DeviceScalars<AdamScalars>(device, 1);
        else _generic = new DeviceScalars<AdamStep<T>>(device, 1);
    }

    /// <summary>Uploads the scalars of the 1-based <paramref name="step"/> (nothing when they are those already there).</summary>
    public void Stage(double lr, double beta1, double beta2, double eps, double weightDecay, long step, bool decoupled)
    {
        double bias1 = 1 - Math.Pow(beta1, step), bias2 = 1 - Math.Pow(beta2, step);
        if (_cpu is { } cpu)
        {
            cpu.Set(new AdamScalars((float)lr, (float)beta1, (float)beta2, (float)eps, (float)weightDecay, (float)bias1, (float)bias2, decoupled));
            cpu.Upload();
        }
        else
        {
            _generic!.Set(new AdamStep<T>(T.CreateTruncating(lr), T.CreateTruncating(beta1), T.CreateTruncating(beta2), T.CreateTruncating(eps),
                T.CreateTruncating(weightDecay), T.CreateTruncating(bias1), T.CreateTruncating(bias2), decoupled));
            _generic.Upload();
        }
    }

    /// <summary>The step in place on p, m and v with the staged scalars; nothing while <paramref name="gate"/> is shut.</summary>
    public void Launch(ArrayView<T> p, ArrayView<T> g, ArrayView<T> m, ArrayView<T> v, ArrayView<long> gate)
    {
        var loop = _device.LoopFor(p.Length);
        if (_cpu is { } cpu)
            _device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<AdamScalars>, ArrayView<long>>(OptimizerKernels.CpuAdam)(
                loop.Threads, loop, p.Cast<float>(), g.Cast<float>(), m.Cast<float>(), v.Cast<float>(), cpu.View, gate);
        else
            _device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<AdamStep<T>>, ArrayView<long>>(OptimizerKernels.Adam)(
                loop.Threads, loop, p, g, m, v, _generic!.View, gate);
    }

    public void Dispose()
    {
        _cpu?.Dispose();
        _generic?.Dispose();
    }
}
