using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace IlgpuAe.Perf;

/// <summary>
/// The activation kernels, forward and backward through the engine's launcher (the CPU bodies on the CPU accelerator),
/// against a device memory copy of the same length in the same run (the baseline).
/// Each call is synchronised, so the time holds all device work. The GB/s column counts every float the
/// kernel must read and write once (<see cref="Bytes"/>).
/// </summary>
[Config(typeof(BandwidthConfig))]
public class ActivationBenchmarks
{
    /// <summary>1024x400 (a hidden layer at batch 1024) and 654,416 (the 784-400-32 autoencoder's parameters).</summary>
    [Params(409_600, 654_416)]
    public int N { get; set; }

    [ParamsSource(typeof(CudaProbe), nameof(CudaProbe.Backends))]
    public string Backend { get; set; } = "cpu";

    /// <summary>Floats moved per element: read + written.</summary>
    public static readonly IReadOnlyDictionary<string, int> Bytes = new Dictionary<string, int>
    {
        [nameof(MemoryCopy)] = 8,
        [nameof(ReluForward)] = 8,
        [nameof(ReluBackward)] = 12,
        [nameof(SigmoidForward)] = 8,
        [nameof(SigmoidBackward)] = 12,
    };

    Device _device = null!;
    MemoryBuffer1D<float, Stride1D.Dense> _x = null!, _y = null!, _dy = null!, _dx = null!;

    [GlobalSetup]
    public void Setup()
    {
        _device = Device.Open(BackendNames.Parse(Backend));
        var rng = new Random(1);
        var host = Enumerable.Range(0, N).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _x = _device.Accelerator.Allocate1D(host);
        _dy = _device.Accelerator.Allocate1D(host);
        _y = _device.Accelerator.Allocate1D<float>(N);
        _dx = _device.Accelerator.Allocate1D<float>(N);
        // Compile every kernel outside the measurement.
        MemoryCopy(); ReluForward(); ReluBackward(); SigmoidForward(); SigmoidBackward();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _x.Dispose(); _y.Dispose(); _dy.Dispose(); _dx.Dispose();
        _device.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void MemoryCopy()
    {
        _x.View.CopyTo(_y.View);
        _device.Synchronize();
    }

    [Benchmark]
    public void ReluForward()
    {
        ActivationLaunch.Forward(_device, Activation.Relu, _x.View, _y.View, 0f);
        _device.Synchronize();
    }

    [Benchmark]
    public void ReluBackward()
    {
        ActivationLaunch.Backward(_device, Activation.Relu, _x.View, _dy.View, _dx.View, 0f, 0f);
        _device.Synchronize();
    }

    [Benchmark]
    public void SigmoidForward()
    {
        ActivationLaunch.Forward(_device, Activation.Sigmoid, _x.View, _y.View, 0f);
        _device.Synchronize();
    }

    [Benchmark]
    public void SigmoidBackward()
    {
        ActivationLaunch.Backward(_device, Activation.Sigmoid, _x.View, _dy.View, _dx.View, 0f, 0f);
        _device.Synchronize();
    }
}

/// <summary>Adds the GB/s column.</summary>
public class BandwidthConfig : ManualConfig
{
    public BandwidthConfig() => AddColumn(new BandwidthColumn());
}

/// <summary>N · bytes per element / mean time, from the benchmark's N parameter and its class's static <c>Bytes</c> table (<see cref="ActivationBenchmarks.Bytes"/>).</summary>
public class BandwidthColumn() : RateColumn("GBps", "GB/s", "floats read and written once, times 4 bytes, / mean time, in 1e9 bytes per second")
{
    protected override double? Work(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "N")?.Value is int count &&
        benchmarkCase.Descriptor.Type.GetField("Bytes")?.GetValue(null) is IReadOnlyDictionary<string, int> table &&
        table.TryGetValue(benchmarkCase.Descriptor.WorkloadMethod.Name, out int bytes)
            ? (double)count * bytes
            : null;
}
