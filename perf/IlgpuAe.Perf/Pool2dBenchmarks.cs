using BenchmarkDotNet.Attributes;
using ILGPU;
using ILGPU.Runtime;
using IlgpuAe.Compute;
using IlgpuAe.Kernels;

namespace IlgpuAe.Perf;

/// <summary>
/// 2×2 max-pooling, average pooling and nearest-neighbour upsampling, forward and backward through the launcher (the CPU
/// bodies on the CPU accelerator), at the feature maps of a conv encoder at batch 128 (32×28×28 and 64×14×14, N the fine
/// grid's elements), against a device memory copy of the fine grid in the same run (the baseline). The GB/s column counts
/// the floats each pass must read and write once, per fine element (<see cref="Bytes"/>: a coarse element is ¼ of one).
/// </summary>
[Config(typeof(BandwidthConfig))]
public class Pool2dBenchmarks
{
    /// <summary>128×32×28×28 and 128×64×14×14.</summary>
    [Params(3_211_264, 1_605_632)]
    public int N { get; set; }

    [ParamsSource(typeof(CudaProbe), nameof(CudaProbe.Backends))]
    public string Backend { get; set; } = "cpu";

    /// <summary>Bytes moved per fine element: 4 per fine float, 1 per coarse one (a quarter of a float each).</summary>
    public static readonly IReadOnlyDictionary<string, int> Bytes = new Dictionary<string, int>
    {
        [nameof(MemoryCopy)] = 8,
        [nameof(MaxPoolForward)] = 5,      // read x, write y
        [nameof(MaxPoolBackward)] = 9,     // read x and dy, write dx
        [nameof(AvgPoolForward)] = 5,
        [nameof(AvgPoolBackward)] = 5,     // read dy, write dx
        [nameof(UpsampleForward)] = 5,     // read the coarse x, write the fine y
        [nameof(UpsampleBackward)] = 5,    // read the fine dy, write the coarse dx
    };

    Device _device = null!;
    Pool2dShape _s;
    MemoryBuffer1D<float, Stride1D.Dense> _fine = null!, _fine2 = null!, _coarse = null!, _coarse2 = null!;

    [GlobalSetup]
    public void Setup()
    {
        _s = N == 3_211_264 ? new Pool2dShape(128, 32, 28, 28, 2) : new Pool2dShape(128, 64, 14, 14, 2);
        _device = Device.Open(BackendNames.Parse(Backend));
        var rng = new Random(1);
        MemoryBuffer1D<float, Stride1D.Dense> Filled(long n) =>
            _device.Accelerator.Allocate1D(Enumerable.Range(0, (int)n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray());
        _fine = Filled(_s.FineLength);
        _fine2 = Filled(_s.FineLength);
        _coarse = Filled(_s.CoarseLength);
        _coarse2 = Filled(_s.CoarseLength);
        // Compile every kernel outside the measurement.
        MemoryCopy(); MaxPoolForward(); MaxPoolBackward(); AvgPoolForward(); AvgPoolBackward(); UpsampleForward(); UpsampleBackward();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var b in new[] { _fine, _fine2, _coarse, _coarse2 }) b.Dispose();
        _device.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void MemoryCopy()
    {
        _fine.View.CopyTo(_fine2.View);
        _device.Synchronize();
    }

    [Benchmark]
    public void MaxPoolForward() => Run(() => Pool2dLaunch.Forward<float>(_device, Pool2dMode.Max, _s, _fine.View, _coarse.View));

    [Benchmark]
    public void MaxPoolBackward() => Run(() => Pool2dLaunch.Backward(_device, Pool2dMode.Max, _s, _fine.View, _coarse2.View, _fine2.View, 0f));

    [Benchmark]
    public void AvgPoolForward() => Run(() => Pool2dLaunch.Forward<float>(_device, Pool2dMode.Average, _s, _fine.View, _coarse.View));

    [Benchmark]
    public void AvgPoolBackward() => Run(() => Pool2dLaunch.Backward(_device, Pool2dMode.Average, _s, default, _coarse2.View, _fine2.View, 0f));

    [Benchmark]
    public void UpsampleForward() => Run(() => Pool2dLaunch.Forward<float>(_device, Pool2dMode.NearestUpsample, _s, _coarse.View, _fine2.View));

    [Benchmark]
    public void UpsampleBackward() => Run(() => Pool2dLaunch.Backward(_device, Pool2dMode.NearestUpsample, _s, default, _fine.View, _coarse2.View, 0f));

    void Run(Action pass)
    {
        pass();
        _device.Synchronize();
    }
}
