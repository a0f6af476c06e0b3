using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using IlgpuAe.Compute;
using IlgpuAe.Kernels;

namespace IlgpuAe.Optim;

/// <summary>
/// The global L2 norm of the flat gradient buffer, computed on the device in a fixed order, and
/// clipping by it without a host round trip. A NaN or infinity anywhere in the gradients makes the
/// squared norm non-finite, so the same number serves the divergence guard.
/// </summary>
public sealed class GradientNorm<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly ParameterStore<T> _store;
    readonly MemoryBuffer1D<T, Stride1D.Dense> _partial;
    readonly MemoryBuffer1D<T, Stride1D.Dense> _squared;
    readonly PageLockedArray1D<T> _host;
    readonly Loop _loop;

    /// <summary>Allocates the partial sums and the device scalar for the gradients of <paramref name="store"/>.</summary>
    public GradientNorm(ParameterStore<T> store)
    {
        _store = store;
        _loop = store.Device.LoopFor(store.Count);
        _partial = store.Device.Allocate<T>(_loop.Threads);
        _squared = store.Device.Allocate<T>(1);
        _host = store.Device.AllocateHost<T>(1);
    }

    /// <summary>Launches ||g||² into a device scalar (no synchronisation).</summary>
    public void Compute()
    {
        var d = _store.Device;
        ReductionLaunch.SquaredNorm(d, _loop, _store.Grads, _partial.View);
        ReductionLaunch.SumPartials(d, _partial.View, _squared.View, _loop.Threads, T.One, T.Zero);
    }

    /// <summary>Scales the gradients so that their norm is at most <paramref name="maxNorm"/> (after <see cref="Compute"/>).</summary>
    public void Clip(double maxNorm) =>
        _store.Device.Load<Loop, ArrayView<T>, ArrayView<T>, T>(OptimizerKernels.ClipByNorm)(
            _loop.Threads, _loop, _store.Grads, _squared.View, T.CreateTruncating(maxNorm));

    /// <summary>Reads ||g||² (synchronises).</summary>
    public double ReadSquared()
    {
        _store.Device.Read(_squared.View, _host);
        return double.CreateTruncating(_host[0]);
    }

    /// <summary>The device scalar ||g||² that <see cref="Compute"/> writes.</summary>
    public ArrayView<T> Squared => _squared.View;

    /// <summary>Frees the device buffers.</summary>
    public void Dispose()
    {
        _partial.Dispose();
        _squared.Dispose();
        _host.Dispose();
    }
}
