using BenchmarkDotNet.Attributes;
using ILGPU;
using ILGPU.Runtime;
using IlgpuAe.Compute;
using IlgpuAe.Kernels;

namespace IlgpuAe.Perf;

/// <summary>
/// BatchNorm2d (training statistics, running update included) and GroupNorm(8), forward and backward through the launcher
/// (the CPU bodies on the CPU accelerator), at the conv encoder's maps at batch 128 (32×14×14 and 64×7×7, N elements), against
/// a device memory copy of N floats in the same run (the baseline). The GB/s column counts each pass's reads and writes of
/// the maps once per kernel (<see cref="Bytes"/>): forward two statistic passes over x, then x read and y written; backward
/// the statistics again, then dγ/dβ, the gradient sums and dx each reading x and dy, dx written.
/// </summary>
[Config(typeof(BandwidthConfig))]
public class NormBenchmarks
{
    /// <summary>128×32×196 and 128×64×49.</summary>
    [Params(802_816, 401_408)]
    public int N { get; set; }

    [Params("batch", "group")]
    public string Norm { get; set; } = "batch";

    [ParamsSource(typeof(CudaProbe), nameof(CudaProbe.Backends))]
    public string Backend { get; set; } = "cpu";

    /// <summary>Bytes per element of the maps.</summary>
    public static readonly IReadOnlyDictionary<string, int> Bytes = new Dictionary<string, int>
    {
        [nameof(MemoryCopy)] = 8,
        [nameof(Forward)] = 16,
        [nameof(Backward)] = 36,
    };

    Device _device = null!;
    NormShape _s;
    MemoryBuffer1D<float, Stride1D.Dense> _x = null!, _y = null!, _dy = null!, _dx = null!, _gamma = null!, _beta = null!, _dg = null!, _db = null!,
        _mean = null!, _var = null!, _scratch = null!;

    [GlobalSetup]
    public void Setup()
    {
        var (c, p) = N == 802_816 ? (32, 196) : (64, 49);
        _s = Norm == "batch" ? NormShape.BatchNorm(128, c, p) : NormShape.GroupNorm(128, c, p, 8);
        _device = Device.Open(BackendNames.Parse(Backend));
        var rng = new Random(1);
        MemoryBuffer1D<float, Stride1D.Dense> Filled(long n, float lo) =>
            _device.Accelerator.Allocate1D(Enumerable.Range(0, (int)n).Select(_ => lo + (float)rng.NextDouble()).ToArray());
        _x = Filled(N, -0.5f);
        _y = Filled(N, 0);
        _dy = Filled(N, -0.5f);
        _dx = Filled(N, 0);
        _gamma = Filled(c, 0.5f);
        _beta = Filled(c, -0.5f);
        _dg = Filled(c, 0);
        _db = Filled(c, 0);
        _mean = Filled(c, -0.5f);
        _var = Filled(c, 0.5f);
        _scratch = Filled(NormLaunch.Scratch(_s), 0);
        MemoryCopy(); Forward(); Backward();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var b in new[] { _x, _y, _dy, _dx, _gamma, _beta, _dg, _db, _mean, _var, _scratch }) b.Dispose();
        _device.Dispose();
    }

    ArrayView<float> Running(MemoryBuffer1D<float, Stride1D.Dense> b) => _s.Batchwise ? b.View : default;

    [Benchmark(Baseline = true)]
    public void MemoryCopy()
    {
        _x.View.CopyTo(_y.View);
        _device.Synchronize();
    }

    [Benchmark]
    public void Forward()
    {
        NormLaunch.Forward(_device, _s, _x.View, _gamma.View, _beta.View, _y.View, 1e-5f, NormStatistics.Batch, Running(_mean), Running(_var), 0.1f, _scratch.View);
        _device.Synchronize();
    }

    [Benchmark]
    public void Backward()
    {
        NormLaunch.Backward(_device, _s, _x.View, _gamma.View, _dy.View, _dx.View, 0f, _dg.View, 0f, _db.View, 0f, 1e-5f, NormStatistics.Batch,
            Running(_mean), Running(_var), _scratch.View);
        _device.Synchronize();
    }
}
