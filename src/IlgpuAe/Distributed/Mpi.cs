using System.Runtime.InteropServices;

namespace IlgpuAe.Distributed;

/// <summary>
/// A thin binding to Open MPI's C library (libmpi.so.40, Debian's <c>openmpi-bin</c>/<c>libopenmpi-dev</c>): the calls
/// data-parallel training needs, on MPI_COMM_WORLD, each failure an <see cref="IlgpuAeException"/> naming the call.
/// Loaded only when asked for. Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are the addresses of
/// exported globals, found with <see cref="NativeLibrary.GetExport"/>; MPI_IN_PLACE is (void*)1. The versioned name
/// matters: the unversioned libmpi.so may be MPICH's, whose handles are integers.
/// </summary>
public sealed unsafe class Mpi : IDisposable
{
    /// <summary>The library the binding loads.</summary>
    public const string LibraryName = "libmpi.so.40";

    const int MaxErrorString = 256; // Open MPI's MPI_MAX_ERROR_STRING
    static readonly nint InPlace = 1;
    static Mpi? _open;

    readonly nint _library;
    readonly nint _world, _float, _double, _byte, _sum;
    readonly delegate* unmanaged<int*, byte***, int> _init;
    readonly delegate* unmanaged<int*, int> _initialized;
    readonly delegate* unmanaged<int> _finalize;
    readonly delegate* unmanaged<nint, int*, int> _commRank;
    readonly delegate* unmanaged<nint, int*, int> _commSize;
    readonly delegate* unmanaged<nint, nint, int> _setErrhandler;
    readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> _allreduce;
    readonly delegate* unmanaged<void*, int, nint, int, nint, int> _bcast;
    readonly delegate* unmanaged<nint, int, int> _abort;
    readonly delegate* unmanaged<int, byte*, int*, int> _errorString;
    bool _finalized;

    Mpi(nint library)
    {
        _library = library;
        nint Export(string name) => NativeLibrary.TryGetExport(library, name, out var a)
            ? a : throw new IlgpuAeException($"{LibraryName} does not export {name}: it is not Open MPI 4 or later");
        _world = Export("ompi_mpi_comm_world");
        _float = Export("ompi_mpi_float");
        _double = Export("ompi_mpi_double");
        _byte = Export("ompi_mpi_byte");
        _sum = Export("ompi_mpi_op_sum");
        _init = (delegate* unmanaged<int*, byte***, int>)Export("MPI_Init");
        _initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
        _finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        _commRank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        _commSize = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        _setErrhandler = (delegate* unmanaged<nint, nint, int>)Export("MPI_Comm_set_errhandler");
        _allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Export("MPI_Allreduce");
        _bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Export("MPI_Bcast");
        _abort = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");
        _errorString = (delegate* unmanaged<int, byte*, int*, int>)Export("MPI_Error_string");
        ErrorsReturn = Export("ompi_mpi_errors_return");
    }

    nint ErrorsReturn { get; }

    /// <summary>This process's rank in MPI_COMM_WORLD, from 0.</summary>
    public int Rank { get; private set; }
    /// <summary>Processes in MPI_COMM_WORLD.</summary>
    public int Size { get; private set; }

    /// <summary>
    /// Loads <paramref name="library"/> (Open MPI's by default) and initialises MPI once per process (MPI cannot be
    /// initialised twice); errors on MPI_COMM_WORLD then return codes, which become exceptions naming the call.
    /// <see cref="IlgpuAeException"/> when the library is missing, is not Open MPI, or this process was not started by mpirun.
    /// </summary>
    public static Mpi Open(string library = LibraryName)
    {
        if (_open is { _finalized: false } open) return open;
        if (_open is not null) throw new IlgpuAeException("MPI was finalised in this process and cannot be initialised again");
        if (!NativeLibrary.TryLoad(library, out var handle))
            throw new IlgpuAeException($"--distributed mpi needs Open MPI's {library}, which is not installed: " +
                "apt-get install openmpi-bin libopenmpi-dev (Debian/Ubuntu)");
        if (Launcher.WorldSize() is null)
            throw new IlgpuAeException("--distributed mpi: this process was not started by mpirun; " +
                "run it as mpirun -np N ilgpu-ae train ... --distributed mpi (see the README, \"Distributed training\")");
        var mpi = new Mpi(handle);
        int flag;
        mpi.Check(mpi._initialized(&flag), "MPI_Initialized");
        if (flag == 0) mpi.Check(mpi._init(null, null), "MPI_Init");
        mpi.Check(mpi._setErrhandler(mpi._world, mpi.ErrorsReturn), "MPI_Comm_set_errhandler");
        int rank, size;
        mpi.Check(mpi._commRank(mpi._world, &rank), "MPI_Comm_rank");
        mpi.Check(mpi._commSize(mpi._world, &size), "MPI_Comm_size");
        (mpi.Rank, mpi.Size) = (rank, size);
        _open = mpi;
        return mpi;
    }

    /// <summary>In-place sum over every rank of <paramref name="count"/> floats at <paramref name="data"/> (host memory).</summary>
    public void SumInPlace(float* data, long count) => Allreduce(data, count, _float, "MPI_Allreduce(MPI_FLOAT, MPI_SUM)");

    /// <summary>In-place sum over every rank of <paramref name="count"/> doubles at <paramref name="data"/> (host memory).</summary>
    public void SumInPlace(double* data, long count) => Allreduce(data, count, _double, "MPI_Allreduce(MPI_DOUBLE, MPI_SUM)");

    /// <summary>In-place sum over every rank of <paramref name="values"/>.</summary>
    public void SumInPlace(Span<double> values)
    {
        fixed (double* p = values) SumInPlace(p, values.Length);
    }

    void Allreduce(void* data, long count, nint type, string call)
    {
        if (count == 0) return;
        if (count > int.MaxValue) throw new IlgpuAeException($"{call}: {count} elements exceed MPI's int count");
        CheckOpen(call);
        Check(_allreduce((void*)InPlace, data, (int)count, type, _sum, _world), call);
    }

    /// <summary>Copies <paramref name="bytes"/> of rank <paramref name="root"/> into every rank's buffer.</summary>
    public void Broadcast(Span<byte> bytes, int root)
    {
        CheckOpen("MPI_Bcast");
        fixed (byte* p = bytes) Check(_bcast(p, bytes.Length, _byte, root, _world), "MPI_Bcast");
    }

    /// <summary>Ends every process of the job with <paramref name="code"/> (MPI_Abort): for a failure only one rank saw.</summary>
    public void Abort(int code)
    {
        if (!_finalized) _abort(_world, code);
    }

    void CheckOpen(string call)
    {
        if (_finalized) throw new InvalidOperationException($"{call} after MPI_Finalize");
    }

    void Check(int code, string call)
    {
        if (code == 0) return;
        var text = stackalloc byte[MaxErrorString + 1];
        int length = 0;
        string what = _errorString(code, text, &length) == 0 ? Marshal.PtrToStringUTF8((nint)text, Math.Clamp(length, 0, MaxErrorString)) : $"error {code}";
        throw new IlgpuAeException($"{call} failed on rank {Rank}: {what}");
    }

    /// <summary>MPI_Finalize, once; call it only when every rank gets there (it waits for the others).</summary>
    public void Dispose()
    {
        if (_finalized) return;
        _finalized = true;
        Check(_finalize(), "MPI_Finalize");
    }
}
