using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace IlgpuAe.Distributed;

/// <summary>
/// Data parallelism over Open MPI's MPI_COMM_WORLD. The gradient sum is one collective per step: on the CPU accelerator an
/// in-place MPI_Allreduce straight on the gradient buffer (host memory), on CUDA an in-place ncclAllReduce on the engine's
/// stream (the NCCL id broadcast through MPI), elsewhere a copy to the host and back around MPI_Allreduce.
/// Open it before the device: on CUDA each rank then sees only the GPU of its local rank.
/// </summary>
public sealed unsafe class MpiDataParallel : IDataParallel, IDisposable
{
    readonly Mpi _mpi;
    Nccl? _nccl;
    Array _staging = Array.Empty<float>();
    bool _completed;

    MpiDataParallel(Mpi mpi) => _mpi = mpi;

    /// <summary>
    /// Initialises MPI (loading <paramref name="library"/>, Open MPI's by default) and, unless CUDA_VISIBLE_DEVICES is set,
    /// shows this rank only the GPU numbered by its local rank. <see cref="IlgpuAeException"/> when the library is missing or
    /// the process was not started by mpirun.
    /// </summary>
    public static MpiDataParallel Open(string library = Mpi.LibraryName)
    {
        var mpi = Mpi.Open(library);
        if (Environment.GetEnvironmentVariable("CUDA_VISIBLE_DEVICES") is null && OperatingSystem.IsLinux())
            SetNativeEnvironment("CUDA_VISIBLE_DEVICES", Launcher.LocalRank().ToString(CultureInfo.InvariantCulture));
        return new MpiDataParallel(mpi);
    }

    /// <inheritdoc/>
    public int Rank => _mpi.Rank;
    /// <inheritdoc/>
    public int Ranks => _mpi.Size;

    /// <summary>Gradient all-reduces so far.</summary>
    public long Reductions { get; private set; }
    /// <summary>Wall time of the first, which also sets up MPI's connections (and NCCL's communicator).</summary>
    public TimeSpan FirstReductionTime { get; private set; }
    /// <summary>Wall time spent in the others (after the device finished the backward pass), for the scaling table.</summary>
    public TimeSpan ReductionTime { get; private set; }

    /// <inheritdoc/>
    public void SumGradients<T>(ParameterStore<T> parameters) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var device = parameters.Device;
        device.Synchronize();
        var clock = Stopwatch.StartNew();
        var grads = parameters.Grads;
        bool isFloat = typeof(T) == typeof(float);
        if (!isFloat && typeof(T) != typeof(double))
            throw new IlgpuAeException($"data-parallel training sums float or double gradients, not {typeof(T).Name}");
        if (device.Backend == Backend.Cpu)
        {
            // The CPU accelerator's buffers are host memory: reduce them where they lie.
            nint at = grads.LoadEffectiveAddressAsPtr();
            if (isFloat) _mpi.SumInPlace((float*)at, grads.Length);
            else _mpi.SumInPlace((double*)at, grads.Length);
        }
        else if (device.Backend == Backend.Cuda)
        {
            if (_nccl is null)
            {
                _nccl = Nccl.Load();
                _nccl.Join(Rank, Ranks, bytes => _mpi.Broadcast(bytes, 0));
            }
            var stream = ((CudaStream)device.Accelerator.DefaultStream).StreamPtr;
            _nccl.SumInPlace(grads.LoadEffectiveAddressAsPtr(), grads.Length, isFloat ? NcclDataType.Float32 : NcclDataType.Float64, stream);
            device.Synchronize();
        }
        else
        {
            if (_staging is not T[] host || host.Length != grads.Length) _staging = host = new T[grads.Length];
            grads.CopyToCPU(host);
            fixed (T* p = host)
            {
                if (isFloat) _mpi.SumInPlace((float*)p, host.Length);
                else _mpi.SumInPlace((double*)p, host.Length);
            }
            grads.CopyFromCPU(host);
        }
        if (Reductions++ == 0) FirstReductionTime = clock.Elapsed;
        else ReductionTime += clock.Elapsed;
    }

    /// <inheritdoc/>
    public void Sum(Span<double> values) => _mpi.SumInPlace(values);

    /// <summary>Ends every rank of the job (MPI_Abort) after a failure that this rank alone saw, so that no rank waits forever.</summary>
    public void Abort(int code) => _mpi.Abort(code);

    /// <summary>Marks the run as finished on this rank, so that <see cref="Dispose"/> finalises MPI (which waits for every rank).</summary>
    public void Complete() => _completed = true;

    /// <summary>
    /// Frees the NCCL communicator and, after <see cref="Complete"/>, finalises MPI. A failed rank does not finalise: it exits,
    /// and mpirun then stops the others instead of letting them wait in a collective.
    /// </summary>
    public void Dispose()
    {
        _nccl?.Dispose();
        _nccl = null;
        if (_completed) _mpi.Dispose();
    }

    [DllImport("libc", EntryPoint = "setenv")]
    static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    // CUDA reads the process environment through getenv, which Environment.SetEnvironmentVariable does not change on Linux.
    static void SetNativeEnvironment(string name, string value)
    {
        SetEnv(name, value, 0);
        Environment.SetEnvironmentVariable(name, value);
    }
}
