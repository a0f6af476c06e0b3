using System.Collections.Concurrent;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using IlgpuAe.Kernels;

namespace IlgpuAe;

/// <summary>One device ILGPU can see, whether the engine can use it, and if not, why.</summary>
/// <param name="Backend">The device's backend family.</param>
/// <param name="Name">The device's name as ILGPU reports it.</param>
/// <param name="Usable">Whether the engine can run on it.</param>
/// <param name="WhyNot">Why it cannot, when <paramref name="Usable"/> is false; else null.</param>
/// <param name="Chosen">Whether <see cref="Device.Open"/> with the same backend would pick it.</param>
public sealed record DeviceReport(Backend Backend, string Name, bool Usable, string? WhyNot, bool Chosen);

/// <summary>
/// Owns the ILGPU context and one accelerator, caches loaded kernels and decides the launch
/// shape of every kernel (see <see cref="Loop"/>): the one place that knows what kind of
/// hardware runs the kernels.
/// </summary>
public sealed partial class Device : IDisposable
{
    /// <summary>
    /// Threads per warp of the CPU accelerator. Measured on 2 cores: ILGPU's default CPU device
    /// costs about 0.5 ms per launch, a device of 2 threads per warp, 1 warp per group and
    /// 1 group about 55 us; work per thread comes from chunked loops, not from more threads.
    /// </summary>
    const int CpuThreadsPerWarp = 2;

    readonly Context _context;
    readonly ConcurrentDictionary<System.Reflection.MethodInfo, Delegate> _kernels = new();
    bool _disposed;

    /// <summary>The ILGPU accelerator kernels launch on.</summary>
    public Accelerator Accelerator { get; }
    /// <summary>The backend chosen (never <see cref="IlgpuAe.Backend.Auto"/>).</summary>
    public Backend Backend { get; }
    /// <summary>The accelerator's name as ILGPU reports it.</summary>
    public string Name => Accelerator.Name;
    /// <summary>Whether kernels run on ILGPU's CPU accelerator (chunked loops, float CPU kernels).</summary>
    public bool IsCpu => Backend == Backend.Cpu;

    Device(Context context, Accelerator accelerator, Backend backend)
    {
        _context = context;
        Accelerator = accelerator;
        Backend = backend;
        CpuWorkerPinning.Pin(this);
    }

    static Context CreateContext() => Context.Create(b => b
        .CPU(new CPUDevice(CpuThreadsPerWarp, 1, 1))
        .Cuda()
        .OpenCL(_ => true) // all of them, so that the unusable ones can be named with a reason
        .EnableAlgorithms()
        .Math(MathMode.Default)
        .Optimize(OptimizationLevel.O1));

    /// <summary>Opens the requested backend, or says plainly why it cannot be had.</summary>
    public static Device Open(Backend backend = Backend.Auto)
    {
        var context = CreateContext();
        try
        {
            var reports = Survey(context, backend);
            var chosen = reports.FirstOrDefault(r => r.Chosen);
            if (chosen is null)
            {
                var reasons = reports.Where(r => r.Backend == backend)
                    .Select(r => $"{r.Name}: {r.WhyNot}").ToList();
                string why = reasons.Count == 0
                    ? $"no {backend} device was found on this machine"
                    : string.Join("; ", reasons);
                throw new IlgpuAeException($"backend {BackendName(backend)} is not usable: {why}");
            }
            var device = context.Devices.First(d => d.Name == chosen.Name && Kind(d) == chosen.Backend);
            var accelerator = device.CreateAccelerator(context);
            return new Device(context, accelerator, chosen.Backend);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>Every device ILGPU sees, with the one <paramref name="backend"/> would pick marked.</summary>
    public static IReadOnlyList<DeviceReport> List(Backend backend = Backend.Auto)
    {
        using var context = CreateContext();
        return Survey(context, backend);
    }

    static IReadOnlyList<DeviceReport> Survey(Context context, Backend wanted)
    {
        var rows = context.Devices
            .Select(d => (Device: d, Kind: Kind(d), WhyNot: WhyUnusable(d)))
            .ToList();
        int pick = -1;
        Backend[] order = wanted == Backend.Auto ? [Backend.Cuda, Backend.OpenCL, Backend.Cpu] : [wanted];
        foreach (var kind in order)
        {
            pick = rows.FindIndex(r => r.Kind == kind && r.WhyNot is null);
            if (pick >= 0) break;
        }
        return rows.Select((r, i) => new DeviceReport(r.Kind, r.Device.Name, r.WhyNot is null, r.WhyNot, i == pick)).ToList();
    }

    static Backend Kind(ILGPU.Runtime.Device d) => d.AcceleratorType switch
    {
        AcceleratorType.Cuda => Backend.Cuda,
        AcceleratorType.OpenCL => Backend.OpenCL,
        _ => Backend.Cpu,
    };

    static string? WhyUnusable(ILGPU.Runtime.Device d)
    {
        if (d is CLDevice cl)
        {
            if (!cl.Capabilities.GenericAddressSpace)
                return "OpenCL device without generic address space support, which ILGPU's OpenCL backend requires";
            if (cl.CLStdVersion.Major < 2)
                return $"OpenCL C {cl.CLStdVersion} is older than the 2.0 ILGPU needs";
        }
        return null;
    }

    /// <summary>The CLI spelling of <paramref name="b"/>, the inverse of <see cref="BackendNames.Parse"/>.</summary>
    public static string BackendName(Backend b) => b switch
    {
        Backend.Cuda => "cuda",
        Backend.OpenCL => "opencl",
        Backend.Cpu => "cpu",
        _ => "auto",
    };

    /// <summary>
    /// The launch shape for n independent elements: one contiguous chunk per CPU thread, or a
    /// grid-stride loop over enough GPU threads to fill the device.
    /// </summary>
    public Loop LoopFor(long n) => IsCpu
        ? Loop.Chunked(n, Accelerator.MaxNumThreads)
        : Loop.GridStride(n, Math.Max(1, Accelerator.MaxNumThreadsPerMultiprocessor * Accelerator.NumMultiprocessors));

    /// <summary>Number of parallel workers for row-wise kernels (one row or chunk of rows each).</summary>
    public int Workers => Accelerator.MaxNumThreads;

    /// <summary>Frees the accelerator and the ILGPU context; a second call does nothing.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Accelerator.Dispose();
        _context.Dispose();
    }
}
