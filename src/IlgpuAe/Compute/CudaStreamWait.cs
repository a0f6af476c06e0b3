using System.Runtime.InteropServices;

namespace IlgpuAe.Compute;

/// <summary>
/// cuStreamWaitEvent, which ILGPU 1.5.3's CUDA API does not expose: a stream waits, on the device, for an event recorded
/// on another (the host does not wait). Loaded from the driver library on first use.
/// </summary>
public static class CudaStreamWait
{
    delegate int WaitFn(IntPtr stream, IntPtr ev, uint flags);

    static readonly Lazy<WaitFn> Fn = new(() =>
    {
        string library = CudaDriver.DefaultLibrary;
        if (!NativeLibrary.TryLoad(library, typeof(CudaStreamWait).Assembly, null, out var handle))
            throw new IlgpuAeException($"overlapped uploads need the CUDA driver library {library}, which could not be loaded");
        if (!NativeLibrary.TryGetExport(handle, "cuStreamWaitEvent", out var p))
            throw new IlgpuAeException($"the CUDA driver {library} has no cuStreamWaitEvent");
        return Marshal.GetDelegateForFunctionPointer<WaitFn>(p);
    });

    /// <summary>Makes work queued on <paramref name="stream"/> from now on wait for <paramref name="ev"/>; <see cref="IlgpuAeException"/> on a driver error.</summary>
    public static void WaitEvent(IntPtr stream, IntPtr ev)
    {
        int result = Fn.Value(stream, ev, 0);
        if (result != 0) throw new IlgpuAeException($"cuStreamWaitEvent failed: CUresult {result}");
    }
}
