using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using IlgpuAe.Distributed;
using Xunit;

namespace IlgpuAe.Tests.Distributed;

/// <summary>
/// The NCCL binding without a GPU: its types match nccl.h, and its calls reach C-ABI stand-ins (UnmanagedCallersOnly
/// functions with NCCL's signatures) with the right arguments, the 128-byte unique id passed by value intact.
/// </summary>
public unsafe class NcclBindingTests
{
    // What the stand-ins saw.
    static byte[] _initId = [];
    static int _initRanks, _initRank, _destroyed;
    static nint _reduceSend, _reduceRecv, _reduceComm, _reduceStream;
    static nuint _reduceCount;
    static int _reduceType, _reduceOp, _failWith;
    static readonly nint Message = Marshal.StringToHGlobalAnsi("invalid usage (run with NCCL_DEBUG=WARN for details)");

    [UnmanagedCallersOnly]
    static int GetUniqueId(NcclUniqueId* id)
    {
        var bytes = id->AsSpan();
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)(i * 7 + 3);
        return 0;
    }

    [UnmanagedCallersOnly]
    static int CommInitRank(nint* comm, int ranks, NcclUniqueId id, int rank)
    {
        _initId = id.AsSpan().ToArray();
        (_initRanks, _initRank) = (ranks, rank);
        *comm = 0xC0FFEE;
        return _failWith;
    }

    [UnmanagedCallersOnly]
    static int AllReduce(void* send, void* recv, nuint count, int type, int op, nint comm, nint stream)
    {
        (_reduceSend, _reduceRecv, _reduceCount, _reduceType, _reduceOp, _reduceComm, _reduceStream) = ((nint)send, (nint)recv, count, type, op, comm, stream);
        return 0;
    }

    [UnmanagedCallersOnly]
    static int CommDestroy(nint comm)
    {
        _destroyed++;
        return 0;
    }

    [UnmanagedCallersOnly]
    static byte* ErrorString(int result) => (byte*)Message;

    static Nccl StandIn() => new(name => name switch
    {
        "ncclGetUniqueId" => (nint)(delegate* unmanaged<NcclUniqueId*, int>)&GetUniqueId,
        "ncclCommInitRank" => (nint)(delegate* unmanaged<nint*, int, NcclUniqueId, int, int>)&CommInitRank,
        "ncclAllReduce" => (nint)(delegate* unmanaged<void*, void*, nuint, int, int, nint, nint, int>)&AllReduce,
        "ncclCommDestroy" => (nint)(delegate* unmanaged<nint, int>)&CommDestroy,
        "ncclGetErrorString" => (nint)(delegate* unmanaged<int, byte*>)&ErrorString,
        _ => throw new ArgumentException(name),
    });

    [Fact]
    public void The_types_have_the_sizes_and_values_of_nccl_h()
    {
        Assert.Equal(128, sizeof(NcclUniqueId));
        Assert.Equal(128, Unsafe.SizeOf<NcclUniqueId>());
        Assert.Equal(7, (int)NcclDataType.Float32);
        Assert.Equal(8, (int)NcclDataType.Float64);
        Assert.Equal(0, (int)NcclReduction.Sum);
    }

    [Fact]
    public void Rank_0_draws_the_id_every_rank_gets_it_through_the_broadcast_and_passes_it_by_value()
    {
        _failWith = 0;
        byte[] sent = [];
        using (var nccl = StandIn())
        {
            nccl.Join(0, 4, bytes => sent = bytes.ToArray());
            Assert.True(nccl.Joined);
        }
        Assert.Equal(Enumerable.Range(0, 128).Select(i => (byte)(i * 7 + 3)), sent); // drawn by rank 0, handed to the broadcast
        Assert.Equal(sent, _initId); // all 128 bytes arrive by value
        Assert.Equal((4, 0), (_initRanks, _initRank));

        // Another rank does not draw: it takes what the broadcast wrote.
        using var other = StandIn();
        other.Join(2, 4, bytes => bytes.Fill(0x5A));
        Assert.All(_initId, b => Assert.Equal(0x5A, b));
        Assert.Equal((4, 2), (_initRanks, _initRank));
    }

    [Fact]
    public void The_all_reduce_is_in_place_on_the_stream_with_the_communicator_and_destroy_runs_once()
    {
        _failWith = 0;
        int destroyedBefore = _destroyed;
        var nccl = StandIn();
        nccl.Join(1, 2, _ => { });
        nccl.SumInPlace(0x1000, 652_824, NcclDataType.Float32, 0x2000);
        Assert.Equal((0x1000, 0x1000, (nuint)652_824, 7, 0, 0xC0FFEE, 0x2000),
            (_reduceSend, _reduceRecv, _reduceCount, _reduceType, _reduceOp, _reduceComm, _reduceStream));
        nccl.Dispose();
        nccl.Dispose();
        Assert.Equal(destroyedBefore + 1, _destroyed);
    }

    [Fact]
    public void A_failed_call_is_an_error_naming_the_call_and_nccls_message()
    {
        _failWith = 5; // ncclInvalidUsage
        using var nccl = StandIn();
        var e = Assert.Throws<IlgpuAeException>(() => nccl.Join(0, 2, _ => { }));
        Assert.Equal("ncclCommInitRank failed: invalid usage (run with NCCL_DEBUG=WARN for details) (ncclResult_t 5)", e.Message);
        Assert.False(nccl.Joined);
        _failWith = 0;
    }

    [SkippableFact]
    public void Without_libnccl_the_error_says_what_to_install()
    {
        Skip.If(NativeLibrary.TryLoad(Nccl.LibraryName, out _), "libnccl.so.2 is installed here");
        var e = Assert.Throws<IlgpuAeException>(() => Nccl.Load());
        Assert.Contains("libnccl.so.2", e.Message);
        Assert.Contains("NCCL", e.Message);
    }
}
