using BenchmarkDotNet.Attributes;
using ILGPU;
using ILGPU.Runtime;
using IlgpuAe.Kernels;
using IlgpuAe.Ops;

namespace IlgpuAe.Perf;

/// <summary>
/// The pointwise functions (exp, log, sqrt forward; exp backward) against a device memory copy of the same length in
/// the same run (the baseline); each call synchronised. Memory-bound like the activations: exp and log should stay
/// within a small factor of the copy, their cost being the transcendental per element.
/// </summary>
public class PointwiseBenchmarks
{
    /// <summary>1024x400: a hidden layer at batch 1024.</summary>
    [Params(409_600)]
    public int N { get; set; }

    [ParamsSource(typeof(CudaProbe), nameof(CudaProbe.Backends))]
    public string Backend { get; set; } = "cpu";

    Device _device = null!;
    MemoryBuffer1D<float, Stride1D.Dense> _x = null!, _y = null!, _dy = null!, _dx = null!;

    [GlobalSetup]
    public void Setup()
    {
        _device = Device.Open(BackendNames.Parse(Backend));
        var rng = new Random(1);
        var host = Enumerable.Range(0, N).Select(_ => 0.1f + (float)rng.NextDouble()).ToArray();
        _x = _device.Accelerator.Allocate1D(host);
        _dy = _device.Accelerator.Allocate1D(host);
        _y = _device.Accelerator.Allocate1D<float>(N);
        _dx = _device.Accelerator.Allocate1D<float>(N);
        MemoryCopy(); ExpForward(); ExpBackward(); LogForward(); SqrtForward();
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
    public void ExpForward()
    {
        PointwiseOp<float>.LaunchForward(_device, PointwiseFunction.Exp, _x.View, _y.View);
        _device.Synchronize();
    }

    [Benchmark]
    public void ExpBackward()
    {
        PointwiseOp<float>.LaunchBackward(_device, PointwiseFunction.Exp, _x.View, _y.View, _dy.View, _dx.View, 0f);
        _device.Synchronize();
    }

    [Benchmark]
    public void LogForward()
    {
        PointwiseOp<float>.LaunchForward(_device, PointwiseFunction.Log, _x.View, _y.View);
        _device.Synchronize();
    }

    [Benchmark]
    public void SqrtForward()
    {
        PointwiseOp<float>.LaunchForward(_device, PointwiseFunction.Sqrt, _x.View, _y.View);
        _device.Synchronize();
    }
}
