using ILGPU;
using ILGPU.Runtime;

namespace IlgpuAe;

// Host traffic: every read from the device and every synchronisation the engine makes during training goes through
// here and is counted, so that a test can require a steady-state step to make none on the device path.
public sealed partial class Device
{
    long _hostReads, _synchronizations;

    /// <summary>Reads from the device to the host made through <see cref="Read{T}"/> so far.</summary>
    public long HostReads => Interlocked.Read(ref _hostReads);

    /// <summary>
    /// Host waits for the device so far: <see cref="Synchronize"/>, each <see cref="Read{T}"/>, and each synchronous
    /// upload (ILGPU's copy from an ordinary array waits for the stream on CUDA).
    /// </summary>
    public long Synchronizations => Interlocked.Read(ref _synchronizations);

    /// <summary>Waits until every launched kernel has finished.</summary>
    public void Synchronize()
    {
        Interlocked.Increment(ref _synchronizations);
        Accelerator.Synchronize();
    }

    /// <summary>A page-locked host array for reads and staged uploads (host memory: not counted in <see cref="LiveBytes"/>).</summary>
    public PageLockedArray1D<T> AllocateHost<T>(long length) where T : unmanaged => Accelerator.AllocatePageLocked1D<T>(Math.Max(1, length));

    /// <summary>
    /// Copies <paramref name="source"/> into the start of <paramref name="host"/> and waits for it (one read, one
    /// synchronisation). Through a page-locked array it allocates nothing.
    /// </summary>
    public void Read<T>(ArrayView<T> source, PageLockedArray1D<T> host) where T : unmanaged
    {
        Interlocked.Increment(ref _hostReads);
        Interlocked.Increment(ref _synchronizations);
        var stream = Accelerator.DefaultStream;
        source.CopyTo(stream, host.ArrayView.SubView(0, source.Length));
        stream.Synchronize();
    }

    /// <summary>
    /// True while <see cref="Compute.CudaGraph"/> captures launches: an upload of a per-step value queued now would be
    /// recorded into the graph with one staging buffer's address and replayed from it, so the engine refuses it.
    /// </summary>
    public bool Capturing { get; set; }

    /// <summary>Counts an upload that waits for the device (ILGPU's CopyFromCPU of an ordinary array).</summary>
    internal void CountSynchronousUpload() => Interlocked.Increment(ref _synchronizations);
}
