using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace IlgpuAe.Graph;

/// <summary>
/// Page-locked, double-buffered host staging of one graph input. The host fills one buffer while the copy from the other
/// may still be in flight, and the copy is queued on the stream without waiting: on CUDA, a copy from page-locked memory
/// is asynchronous, so the host goes on to gather the next batch while the device runs the step. A CUDA event per buffer
/// fences its reuse two steps later (it waits only when the device is more than a step behind). On the CPU accelerator a
/// copy is a plain memory copy and needs no fence.
/// </summary>
sealed class StagedUpload<T> : IDisposable where T : unmanaged
{
    readonly Device _device;
    readonly PageLockedArray1D<T>[] _host;
    readonly IntPtr[] _fences = [IntPtr.Zero, IntPtr.Zero];
    int _next;

    public StagedUpload(Device device, long length)
    {
        _device = device;
        _host = [device.AllocateHost<T>(length), device.AllocateHost<T>(length)];
        if (device.Backend == Backend.Cuda)
            for (int i = 0; i < 2; i++)
                CudaException.ThrowIfFailed(CudaAPI.CurrentAPI.CreateEvent(out _fences[i], CudaEventFlags.CU_EVENT_DISABLE_TIMING));
    }

    /// <summary>Whether staging works on <paramref name="device"/>: CUDA (fenced by events) and the CPU accelerator; OpenCL copies synchronously.</summary>
    public static bool Supports(Device device) => device.Backend is Backend.Cuda or Backend.Cpu;

    /// <summary>The host buffer to fill next, once the copy that last read it has finished.</summary>
    public Span<T> Next(int length)
    {
        if (_fences[_next] != IntPtr.Zero) CudaException.ThrowIfFailed(CudaAPI.CurrentAPI.SynchronizeEvent(_fences[_next]));
        return _host[_next].Span[..length];
    }

    /// <summary>Queues the copy of the buffer just filled into <paramref name="target"/> and fences it.</summary>
    public void Send(ArrayView<T> target)
    {
        var stream = _device.Accelerator.DefaultStream;
        target.CopyFrom(stream, _host[_next].ArrayView.SubView(0, target.Length));
        if (_fences[_next] != IntPtr.Zero && stream is CudaStream cuda)
            CudaException.ThrowIfFailed(CudaAPI.CurrentAPI.RecordEvent(_fences[_next], cuda.StreamPtr));
        _next ^= 1;
    }

    public void Dispose()
    {
        foreach (var fence in _fences)
            if (fence != IntPtr.Zero)
            {
                CudaAPI.CurrentAPI.SynchronizeEvent(fence); // a copy in flight still reads the buffer
                CudaAPI.CurrentAPI.DestroyEvent(fence);
            }
        foreach (var h in _host) h.Dispose();
    }
}
