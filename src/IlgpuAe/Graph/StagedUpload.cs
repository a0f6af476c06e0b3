using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using IlgpuAe.Compute;

namespace IlgpuAe.Graph;

/// <summary>
/// Page-locked, double-buffered host staging of one graph input. The host fills one buffer while the copy from the other
/// may still be in flight, and the copy is queued without waiting: on CUDA, a copy from page-locked memory is
/// asynchronous, so the host goes on to gather the next batch while the device runs the step. A CUDA event per buffer
/// fences its reuse two steps later (it waits only when the device is more than a step behind). On the CPU accelerator a
/// copy is a plain memory copy and needs no fence.
/// <para>
/// <b>Overlapped</b> (<see cref="Plan{T}.OverlappedUploads"/>): the host-to-device copy goes on a second stream into a
/// device slot of its own (two, used in turn), so that the copy of batch k+1, queued while step k still runs on the
/// compute stream, runs beside it instead of after it; the compute stream then waits for that copy and moves the slot
/// into the input with a device-to-device copy (fast, and ordered before the step's kernels). Ordering, per slot i:
/// the second stream waits until the compute stream has read slot i (its last device-to-device copy) before writing it
/// again; the compute stream waits until the second stream has written it before reading; the host waits until the copy
/// from host buffer i has finished before refilling it.
/// </para>
/// </summary>
sealed class StagedUpload<T> : IDisposable where T : unmanaged
{
    readonly Device _device;
    readonly PageLockedArray1D<T>[] _host;
    // Host buffer i's copy finished (on the copy stream when overlapped, else on the compute stream).
    readonly IntPtr[] _copied = [IntPtr.Zero, IntPtr.Zero];
    // Overlapped: the compute stream has finished reading slot i.
    readonly IntPtr[] _read = [IntPtr.Zero, IntPtr.Zero];
    readonly MemoryBuffer1D<T, Stride1D.Dense>[]? _slots;
    readonly AcceleratorStream? _copyStream;
    int _next;

    public StagedUpload(Device device, long length, bool overlapped = false)
    {
        _device = device;
        _host = [device.AllocateHost<T>(length), device.AllocateHost<T>(length)];
        bool cuda = device.Backend == Backend.Cuda;
        if (overlapped)
        {
            _slots = [device.Allocate<T>(Math.Max(1, length)), device.Allocate<T>(Math.Max(1, length))];
            // Non-blocking: a stream made the ordinary way synchronises with the legacy default stream ILGPU launches on,
            // which would serialise the copy with the step again.
            _copyStream = device.Accelerator is CudaAccelerator c ? c.CreateStream(StreamFlags.CU_STREAM_NON_BLOCKING) : device.Accelerator.CreateStream();
        }
        if (cuda)
            for (int i = 0; i < 2; i++)
            {
                CudaException.ThrowIfFailed(CudaAPI.CurrentAPI.CreateEvent(out _copied[i], CudaEventFlags.CU_EVENT_DISABLE_TIMING));
                if (overlapped) CudaException.ThrowIfFailed(CudaAPI.CurrentAPI.CreateEvent(out _read[i], CudaEventFlags.CU_EVENT_DISABLE_TIMING));
            }
    }

    /// <summary>Whether staging works on <paramref name="device"/>: CUDA (fenced by events) and the CPU accelerator; OpenCL copies synchronously.</summary>
    public static bool Supports(Device device) => device.Backend is Backend.Cuda or Backend.Cpu;

    /// <summary>Whether copies go through a second stream and device slots.</summary>
    public bool Overlapped => _slots is not null;

    /// <summary>The host buffer and device slot the next <see cref="Next"/> and <see cref="Send"/> use (0 or 1, in turn).</summary>
    public int Slot => _next;

    /// <summary>The host buffer to fill next, once the copy that last read it has finished.</summary>
    public Span<T> Next(int length)
    {
        if (_copied[_next] != IntPtr.Zero) CudaException.ThrowIfFailed(CudaAPI.CurrentAPI.SynchronizeEvent(_copied[_next]));
        return _host[_next].Span[..length];
    }

    /// <summary>Queues the copy of the buffer just filled into <paramref name="target"/>, fenced as the class says.</summary>
    public void Send(ArrayView<T> target)
    {
        var compute = _device.Accelerator.DefaultStream;
        var source = _host[_next].ArrayView.SubView(0, target.Length);
        if (_slots is null)
        {
            target.CopyFrom(compute, source);
            Record(_copied[_next], compute);
        }
        else
        {
            ArrayView<T> slot = _slots[_next].View.SubView(0, target.Length);
            Wait(_copyStream!, _read[_next]);       // slot i is no longer read by the compute stream
            slot.CopyFrom(_copyStream!, source);
            Record(_copied[_next], _copyStream!);
            Wait(compute, _copied[_next]);          // the compute stream reads slot i only once it is written
            target.CopyFrom(compute, slot);
            Record(_read[_next], compute);
        }
        _next ^= 1;
    }

    static void Record(IntPtr ev, AcceleratorStream stream)
    {
        if (ev != IntPtr.Zero && stream is CudaStream cuda) CudaException.ThrowIfFailed(CudaAPI.CurrentAPI.RecordEvent(ev, cuda.StreamPtr));
    }

    // Streams of the CPU accelerator run each copy when it is queued: they need no wait.
    static void Wait(AcceleratorStream stream, IntPtr ev)
    {
        if (ev != IntPtr.Zero && stream is CudaStream cuda) CudaStreamWait.WaitEvent(cuda.StreamPtr, ev);
    }

    public void Dispose()
    {
        _copyStream?.Synchronize();
        foreach (var ev in _copied.Concat(_read))
            if (ev != IntPtr.Zero)
            {
                CudaAPI.CurrentAPI.SynchronizeEvent(ev); // a copy in flight still reads the buffer
                CudaAPI.CurrentAPI.DestroyEvent(ev);
            }
        _copyStream?.Dispose();
        if (_slots is not null) foreach (var s in _slots) s.Dispose();
        foreach (var h in _host) h.Dispose();
    }
}
