namespace IlgpuAe.Perf;

/// <summary>
/// What a family's kernel benchmarks share: a device per Backend, a batch of <see cref="Rows"/> rows of
/// <see cref="Cols"/> features (a hidden layer of the 784-400-32 autoencoder), device buffers of random floats, and a
/// memory copy of one [Rows, Cols] buffer as the baseline. Each call is synchronised, so the time holds all device work.
/// </summary>
public abstract class DeviceBenchmark
{
    /// <summary>Batch rows: the training batch and a large one.</summary>
    [Params(128, 1024)]
    public int Rows { get; set; }

    [ParamsSource(typeof(CudaProbe), nameof(CudaProbe.Backends))]
    public string Backend { get; set; } = "cpu";

    /// <summary>Features per row.</summary>
    protected const int Cols = 400;

    /// <summary>Rows · Cols.</summary>
    protected int N => Rows * Cols;

    protected Device Device { get; private set; } = null!;
    readonly List<IDisposable> _owned = [];
    MemoryBuffer1D<float, Stride1D.Dense> _copyFrom = null!, _copyTo = null!;

    [GlobalSetup]
    public void Setup()
    {
        Device = Device.Open(BackendNames.Parse(Backend));
        _copyFrom = Random(N, 0);
        _copyTo = Buffer(N);
        Prepare();
        // Compile every kernel outside the measurement.
        foreach (var m in GetType().GetMethods().Where(m => m.GetCustomAttributes(typeof(BenchmarkAttribute), true).Length > 0))
            m.Invoke(this, null);
    }

    /// <summary>Allocates the family's buffers (after the device is open).</summary>
    protected abstract void Prepare();

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var b in _owned) b.Dispose();
        _owned.Clear();
        Device.Dispose();
    }

    [Benchmark(Baseline = true, Description = "memory copy of [Rows, 400] floats")]
    public void MemoryCopy()
    {
        _copyFrom.View.CopyTo(_copyTo.View);
        Device.Synchronize();
    }

    /// <summary>n uniform floats in [lo, hi), the same for every run.</summary>
    protected MemoryBuffer1D<float, Stride1D.Dense> Random(int n, int seed, double lo = -0.5, double hi = 0.5)
    {
        var rng = new Random(seed);
        var host = Enumerable.Range(0, n).Select(_ => (float)(lo + (hi - lo) * rng.NextDouble())).ToArray();
        var buffer = Device.Allocate(host);
        _owned.Add(buffer);
        return buffer;
    }

    /// <summary>An output buffer of n floats.</summary>
    protected MemoryBuffer1D<float, Stride1D.Dense> Buffer(int n)
    {
        var buffer = Device.Allocate<float>(n);
        _owned.Add(buffer);
        return buffer;
    }

    /// <summary>The device's launch shape for n elements.</summary>
    protected Loop LoopFor(long n) => Device.LoopFor(n);
}
