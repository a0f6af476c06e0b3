using System.Reflection;
using System.Runtime.InteropServices;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace IlgpuAe.Compute;

/// <summary>
/// The six CUDA driver calls a captured graph needs, each returning the driver's CUresult (0 is success). ILGPU 1.5.3
/// has no graph API; <see cref="CudaDriver"/> calls libcuda through P/Invoke, and tests substitute a fake.
/// </summary>
public interface ICudaGraphDriver
{
    /// <summary>cuStreamBeginCapture_v2(stream, mode).</summary>
    int BeginCapture(IntPtr stream, int mode);
    /// <summary>cuStreamEndCapture(stream, &amp;graph).</summary>
    int EndCapture(IntPtr stream, out IntPtr graph);
    /// <summary>cuGraphInstantiateWithFlags(&amp;exec, graph, 0).</summary>
    int Instantiate(out IntPtr exec, IntPtr graph);
    /// <summary>cuGraphLaunch(exec, stream).</summary>
    int Launch(IntPtr exec, IntPtr stream);
    /// <summary>cuGraphExecDestroy(exec).</summary>
    int DestroyExec(IntPtr exec);
    /// <summary>cuGraphDestroy(graph).</summary>
    int DestroyGraph(IntPtr graph);
    /// <summary>The driver's name for a CUresult (cuGetErrorName), or the number.</summary>
    string Describe(int result);
}

/// <summary>The CUDA driver library (libcuda.so.1 on Linux, nvcuda.dll on Windows), loaded on first use.</summary>
public sealed class CudaDriver : ICudaGraphDriver
{
    delegate int BeginCaptureFn(IntPtr stream, int mode);
    delegate int EndCaptureFn(IntPtr stream, out IntPtr graph);
    delegate int InstantiateFn(out IntPtr exec, IntPtr graph, ulong flags);
    delegate int LaunchFn(IntPtr exec, IntPtr stream);
    delegate int DestroyFn(IntPtr handle);
    delegate int ErrorNameFn(int result, out IntPtr name);

    readonly BeginCaptureFn _begin;
    readonly EndCaptureFn _end;
    readonly InstantiateFn _instantiate;
    readonly LaunchFn _launch;
    readonly DestroyFn _destroyExec, _destroyGraph;
    readonly ErrorNameFn? _errorName;

    static readonly Lazy<CudaDriver> Shared = new(() => Load(DefaultLibrary));

    /// <summary>The driver library's name on this operating system.</summary>
    public static string DefaultLibrary => OperatingSystem.IsWindows() ? "nvcuda.dll" : "libcuda.so.1";

    CudaDriver(IntPtr library, string name)
    {
        T Fn<T>(string symbol) where T : Delegate =>
            NativeLibrary.TryGetExport(library, symbol, out var p)
                ? Marshal.GetDelegateForFunctionPointer<T>(p)
                : throw new IlgpuAeException($"the CUDA driver {name} has no {symbol}: CUDA graphs need a driver of CUDA 11.4 or later");
        _begin = Fn<BeginCaptureFn>("cuStreamBeginCapture_v2");
        _end = Fn<EndCaptureFn>("cuStreamEndCapture");
        _instantiate = Fn<InstantiateFn>("cuGraphInstantiateWithFlags");
        _launch = Fn<LaunchFn>("cuGraphLaunch");
        _destroyExec = Fn<DestroyFn>("cuGraphExecDestroy");
        _destroyGraph = Fn<DestroyFn>("cuGraphDestroy");
        _errorName = NativeLibrary.TryGetExport(library, "cuGetErrorName", out var e) ? Marshal.GetDelegateForFunctionPointer<ErrorNameFn>(e) : null;
    }

    /// <summary>The process's driver (loaded once); <see cref="IlgpuAeException"/> when it cannot be loaded.</summary>
    public static CudaDriver Default => Shared.Value;

    /// <summary>Loads the driver from <paramref name="library"/>; <see cref="IlgpuAeException"/> naming it when it is missing or lacks a graph call.</summary>
    public static CudaDriver Load(string library)
    {
        if (!NativeLibrary.TryLoad(library, typeof(CudaDriver).Assembly, null, out var handle))
            throw new IlgpuAeException($"CUDA graphs need the CUDA driver library {library}, which could not be loaded (no NVIDIA driver on this machine?)");
        return new CudaDriver(handle, library);
    }

    /// <inheritdoc/>
    public int BeginCapture(IntPtr stream, int mode) => _begin(stream, mode);
    /// <inheritdoc/>
    public int EndCapture(IntPtr stream, out IntPtr graph) => _end(stream, out graph);
    /// <inheritdoc/>
    public int Instantiate(out IntPtr exec, IntPtr graph) => _instantiate(out exec, graph, 0);
    /// <inheritdoc/>
    public int Launch(IntPtr exec, IntPtr stream) => _launch(exec, stream);
    /// <inheritdoc/>
    public int DestroyExec(IntPtr exec) => _destroyExec(exec);
    /// <inheritdoc/>
    public int DestroyGraph(IntPtr graph) => _destroyGraph(graph);

    /// <inheritdoc/>
    public string Describe(int result) =>
        _errorName is not null && _errorName(result, out var name) == 0 && name != IntPtr.Zero
            ? $"{Marshal.PtrToStringAnsi(name)} ({result})"
            : $"CUresult {result}";
}

/// <summary>
/// A CUDA graph captured from the launches of a piece of host code, replayed by <see cref="Launch"/> with one driver call.
/// What is captured is the launches with the arguments they had: a replay repeats them exactly, so work whose kernel
/// arguments change from one call to the next (a training step's step count, its random stream) is only reproduced by a
/// new capture. The captured code must not synchronise with the host (read a buffer back, call Synchronize): the driver
/// then ends the capture with an error, reported here as an <see cref="IlgpuAeException"/>. Never used unless asked for
/// (`--cuda-graph`): it has not been measured on a GPU.
/// </summary>
public sealed class CudaGraph : IReplay
{
    /// <summary>CU_STREAM_CAPTURE_MODE_RELAXED: other threads may still load modules and allocate while this one captures.</summary>
    public const int RelaxedCapture = 2;

    readonly ICudaGraphDriver _driver;
    readonly IntPtr _launchStream;
    IntPtr _graph, _exec;

    CudaGraph(ICudaGraphDriver driver, IntPtr graph, IntPtr exec, IntPtr launchStream)
    {
        _driver = driver;
        _graph = graph;
        _exec = exec;
        _launchStream = launchStream;
    }

    /// <summary>Times <see cref="Launch"/> has run this graph.</summary>
    public long Launches { get; private set; }

    /// <summary>
    /// Captures the launches <paramref name="work"/> makes on <paramref name="device"/> into a graph. The device must be
    /// CUDA (<see cref="IlgpuAeException"/> otherwise, and when the driver library cannot be loaded). ILGPU launches on the
    /// legacy default stream, which cannot be captured, so for the duration of <paramref name="work"/> the accelerator's
    /// default stream is a fresh non-blocking stream under capture; device work queued before is finished first.
    /// </summary>
    public static CudaGraph Capture(Device device, Action work, ICudaGraphDriver? driver = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(work);
        if (device.Accelerator is not CudaAccelerator cuda)
            throw new IlgpuAeException($"CUDA graphs need the CUDA backend (--backend cuda); this device is {Device.BackendName(device.Backend)} ({device.Name})");
        driver ??= CudaDriver.Default;
        device.Synchronize();
        using var stream = cuda.CreateStream(StreamFlags.CU_STREAM_NON_BLOCKING);
        var previous = (CudaStream)cuda.DefaultStream;
        try
        {
            device.Capturing = true;
            using (DefaultStream.Redirect(cuda, stream))
                return Capture(driver, stream.StreamPtr, work, previous.StreamPtr);
        }
        catch (CudaException e)
        {
            // What ILGPU itself refuses while the stream captures (a Synchronize, a copy from pageable memory) lands here.
            throw new IlgpuAeException($"the CUDA graph capture failed inside the captured work: {e.Message}; the captured work " +
                "must not wait for the device (no reads back to the host, no Synchronize, no uploads from ordinary host memory)");
        }
        finally
        {
            device.Capturing = false;
        }
    }

    /// <summary>
    /// The capture itself, on <paramref name="stream"/>, launching later on <paramref name="launchStream"/>: begin, run
    /// <paramref name="work"/>, end, instantiate. On any failure the capture is ended and whatever was made is destroyed.
    /// </summary>
    public static CudaGraph Capture(ICudaGraphDriver driver, IntPtr stream, Action work, IntPtr launchStream)
    {
        ArgumentNullException.ThrowIfNull(driver);
        ArgumentNullException.ThrowIfNull(work);
        Check(driver, driver.BeginCapture(stream, RelaxedCapture), "cuStreamBeginCapture");
        try
        {
            work();
        }
        catch
        {
            // End the capture so that the stream is usable again; the partial graph is of no use.
            if (driver.EndCapture(stream, out var partial) == 0 && partial != IntPtr.Zero) driver.DestroyGraph(partial);
            throw;
        }
        int ended = driver.EndCapture(stream, out var graph);
        if (ended != 0)
        {
            if (graph != IntPtr.Zero) driver.DestroyGraph(graph);
            throw new IlgpuAeException($"the CUDA graph capture failed: {driver.Describe(ended)} from cuStreamEndCapture; the captured work " +
                "must not wait for the device (no reads back to the host, no Synchronize) and must launch only on the captured stream");
        }
        int made = driver.Instantiate(out var exec, graph);
        if (made != 0)
        {
            driver.DestroyGraph(graph);
            throw new IlgpuAeException($"the CUDA graph could not be instantiated: {driver.Describe(made)} from cuGraphInstantiateWithFlags");
        }
        return new CudaGraph(driver, graph, exec, launchStream);
    }

    /// <summary>Queues one replay of the captured launches (asynchronous, like a kernel launch).</summary>
    public void Launch()
    {
        ObjectDisposedException.ThrowIf(_exec == IntPtr.Zero, this);
        Check(_driver, _driver.Launch(_exec, _launchStream), "cuGraphLaunch");
        Launches++;
    }

    /// <summary>Destroys the executable graph and the graph (once).</summary>
    public void Dispose()
    {
        if (_exec != IntPtr.Zero) _driver.DestroyExec(_exec);
        if (_graph != IntPtr.Zero) _driver.DestroyGraph(_graph);
        _exec = _graph = IntPtr.Zero;
    }

    static void Check(ICudaGraphDriver driver, int result, string call)
    {
        if (result != 0) throw new IlgpuAeException($"{call} failed: {driver.Describe(result)}");
    }
}

/// <summary>
/// Points an accelerator's default stream, on which every ILGPU launch and copy without an explicit stream goes, at
/// another stream for a while. ILGPU 1.5.3 reads Accelerator.DefaultStream at each launch but sets it only in its
/// constructors (a protected setter), so this uses reflection; <see cref="Redirect"/> fails with a clear error if a later
/// ILGPU renames it.
/// </summary>
public static class DefaultStream
{
    static readonly MethodInfo? Setter = typeof(Accelerator).GetProperty(nameof(Accelerator.DefaultStream))?.GetSetMethod(nonPublic: true);

    /// <summary>Makes <paramref name="stream"/> the default stream of <paramref name="accelerator"/> until the result is disposed.</summary>
    public static IDisposable Redirect(Accelerator accelerator, AcceleratorStream stream)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(stream);
        if (Setter is null)
            throw new IlgpuAeException("this ILGPU has no settable Accelerator.DefaultStream: CUDA graph capture needs ILGPU 1.5.3's");
        var previous = accelerator.DefaultStream;
        Setter.Invoke(accelerator, [stream]);
        return new Restore(accelerator, previous);
    }

    sealed class Restore(Accelerator accelerator, AcceleratorStream previous) : IDisposable
    {
        bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            Setter!.Invoke(accelerator, [previous]);
        }
    }
}
