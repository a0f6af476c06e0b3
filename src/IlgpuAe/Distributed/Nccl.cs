using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace IlgpuAe.Distributed;

/// <summary>ncclUniqueId: the 128 opaque bytes (NCCL_UNIQUE_ID_BYTES) that rank 0 makes and every rank passes, by value, to ncclCommInitRank.</summary>
[StructLayout(LayoutKind.Sequential, Size = Bytes)]
public struct NcclUniqueId
{
    /// <summary>NCCL_UNIQUE_ID_BYTES in nccl.h.</summary>
    public const int Bytes = 128;

    [InlineArray(Bytes)]
    struct Buffer
    {
        byte _first;
    }

    Buffer _bytes;

    /// <summary>The id's bytes, to send through MPI_Bcast or read back.</summary>
    [UnscopedRef]
    public Span<byte> AsSpan() => _bytes;
}

/// <summary>ncclDataType_t values from nccl.h (NCCL 2.x).</summary>
public enum NcclDataType
{
    /// <summary>ncclFloat32 (= ncclFloat).</summary>
    Float32 = 7,
    /// <summary>ncclFloat64 (= ncclDouble).</summary>
    Float64 = 8,
}

/// <summary>ncclRedOp_t values from nccl.h.</summary>
public enum NcclReduction
{
    /// <summary>ncclSum.</summary>
    Sum = 0,
}

/// <summary>
/// A thin binding to NVIDIA's NCCL (libnccl.so.2) for the gradient all-reduce between GPUs: ncclGetUniqueId on rank 0,
/// the id sent to every rank through MPI_Bcast, ncclCommInitRank, ncclAllReduce on the engine's CUDA stream,
/// ncclCommDestroy. Every failure is an <see cref="IlgpuAeException"/> naming the call and NCCL's own message.
/// The entry points come from a resolver, so that the marshalling is tested against stand-ins on machines without a GPU.
/// </summary>
public sealed unsafe class Nccl : IDisposable
{
    /// <summary>The library the binding loads.</summary>
    public const string LibraryName = "libnccl.so.2";

    readonly delegate* unmanaged<NcclUniqueId*, int> _getUniqueId;
    readonly delegate* unmanaged<nint*, int, NcclUniqueId, int, int> _commInitRank;
    readonly delegate* unmanaged<void*, void*, nuint, int, int, nint, nint, int> _allReduce;
    readonly delegate* unmanaged<nint, int> _commDestroy;
    readonly delegate* unmanaged<int, byte*> _errorString;
    nint _comm;

    /// <summary>The entry points from <paramref name="export"/> (a name to a function address); no communicator yet.</summary>
    public Nccl(Func<string, nint> export)
    {
        _getUniqueId = (delegate* unmanaged<NcclUniqueId*, int>)export("ncclGetUniqueId");
        _commInitRank = (delegate* unmanaged<nint*, int, NcclUniqueId, int, int>)export("ncclCommInitRank");
        _allReduce = (delegate* unmanaged<void*, void*, nuint, int, int, nint, nint, int>)export("ncclAllReduce");
        _commDestroy = (delegate* unmanaged<nint, int>)export("ncclCommDestroy");
        _errorString = (delegate* unmanaged<int, byte*>)export("ncclGetErrorString");
    }

    /// <summary>Loads <paramref name="library"/>; <see cref="IlgpuAeException"/> when it is missing or lacks an entry point.</summary>
    public static Nccl Load(string library = LibraryName)
    {
        if (!NativeLibrary.TryLoad(library, out var handle))
            throw new IlgpuAeException($"the NCCL all-reduce between GPUs needs {library}, which was not found: " +
                "install NVIDIA's NCCL (libnccl2) or put its directory on LD_LIBRARY_PATH");
        return new Nccl(name => NativeLibrary.TryGetExport(handle, name, out var a)
            ? a : throw new IlgpuAeException($"{library} does not export {name}: it is not NCCL 2"));
    }

    /// <summary>Whether <see cref="Join"/> has made a communicator.</summary>
    public bool Joined => _comm != 0;

    /// <summary>
    /// Makes the communicator of <paramref name="ranks"/> GPUs: rank 0 draws the unique id, <paramref name="broadcast"/>
    /// (MPI_Bcast from rank 0) hands it to every rank, and each calls ncclCommInitRank with it by value.
    /// </summary>
    public void Join(int rank, int ranks, Action<Span<byte>> broadcast)
    {
        if (Joined) throw new InvalidOperationException("this NCCL binding already has a communicator");
        var id = new NcclUniqueId();
        if (rank == 0) Check(_getUniqueId(&id), "ncclGetUniqueId");
        broadcast(id.AsSpan());
        nint comm;
        Check(_commInitRank(&comm, ranks, id, rank), "ncclCommInitRank");
        _comm = comm;
    }

    /// <summary>In-place sum over the communicator of <paramref name="count"/> elements at the device address <paramref name="data"/>, queued on <paramref name="stream"/>.</summary>
    public void SumInPlace(nint data, long count, NcclDataType type, nint stream)
    {
        if (!Joined) throw new InvalidOperationException("ncclAllReduce before ncclCommInitRank");
        Check(_allReduce((void*)data, (void*)data, (nuint)count, (int)type, (int)NcclReduction.Sum, _comm, stream), "ncclAllReduce");
    }

    void Check(int result, string call)
    {
        if (result == 0) return;
        byte* text = _errorString(result);
        string what = text is null ? $"ncclResult_t {result}" : $"{Marshal.PtrToStringUTF8((nint)text)} (ncclResult_t {result})";
        throw new IlgpuAeException($"{call} failed: {what}");
    }

    /// <summary>ncclCommDestroy, once.</summary>
    public void Dispose()
    {
        if (_comm == 0) return;
        var comm = _comm;
        _comm = 0;
        Check(_commDestroy(comm), "ncclCommDestroy");
    }
}
