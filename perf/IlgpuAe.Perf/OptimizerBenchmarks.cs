using IlgpuAe.Optim;

namespace IlgpuAe.Perf;

/// <summary>
/// The Adam step over a flat buffer of the 784-400-32 autoencoder's size (one launch: the CPU body on the CPU
/// accelerator), against a device memory copy of the same length in the same run (the baseline).
/// </summary>
[Config(typeof(BandwidthConfig))]
public class OptimizerBenchmarks
{
    /// <summary>654,416: the 784-400-32 autoencoder's parameters.</summary>
    [Params(654_416)]
    public int N { get; set; }

    [ParamsSource(typeof(CudaProbe), nameof(CudaProbe.Backends))]
    public string Backend { get; set; } = "cpu";

    /// <summary>Floats moved per element: read + written.</summary>
    public static readonly IReadOnlyDictionary<string, int> Bytes = new Dictionary<string, int>
    {
        [nameof(MemoryCopy)] = 8,
        [nameof(AdamStep)] = 28, // reads p, g, m, v; writes p, m, v
    };

    Device _device = null!;
    ParameterStore<float> _store = null!;
    Adam _adam = null!;
    MemoryBuffer1D<float, ILGPU.Stride1D.Dense> _x = null!, _y = null!;

    [GlobalSetup]
    public void Setup()
    {
        _device = Device.Open(BackendNames.Parse(Backend));
        _store = new ParameterStore<float>(_device, 1);
        _store.Add("flat", 1, N, Init.Xavier, N, N);
        _store.Materialize();
        _adam = new Adam(1e-3);
        _x = _device.Allocate<float>(N);
        _y = _device.Allocate<float>(N);
        MemoryCopy(); AdamStep(); // compile every kernel outside the measurement
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _x.Dispose(); _y.Dispose();
        _adam.Dispose();
        _store.Dispose();
        _device.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void MemoryCopy()
    {
        _x.View.CopyTo(_y.View);
        _device.Synchronize();
    }

    [Benchmark]
    public void AdamStep()
    {
        _adam.Step(_store);
        _device.Synchronize();
    }
}
