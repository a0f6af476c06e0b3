namespace IlgpuAe.Perf;

/// <summary>
/// What one kernel launch costs on the CPU accelerator, by device shape: the engine's
/// CPUDevice(2, 1, 1) against devices with more simulated threads per group, measured here rather
/// than assumed. The kernel fills 16 floats, so the time is the launch.
/// </summary>
public class LaunchBenchmarks
{
    Device _device = null!;
    MemoryBuffer1D<float, Stride1D.Dense> _buffer = null!;
    Action<Index1D, Loop, ArrayView<float>, float> _fill = null!;

    /// <summary>threads per warp, warps per group, multiprocessors; "default" is ILGPU's CPUDevice.Default.</summary>
    [Params("2,1,1", "4,4,1", "default")]
    public string Shape { get; set; } = "2,1,1";

    [GlobalSetup]
    public void Setup()
    {
        var d = ILGPU.Runtime.CPU.CPUDevice.Default;
        var s = Shape == "default"
            ? [d.WarpSize, d.MaxNumThreadsPerGroup / d.WarpSize, d.NumMultiprocessors]
            : Shape.Split(',').Select(int.Parse).ToArray();
        _device = Device.OpenCpu(s[0], s[1], s[2]);
        _buffer = _device.Allocate<float>(16);
        _fill = _device.Load<Loop, ArrayView<float>, float>(ElementwiseKernels.Fill);
        _fill(1, new Loop(1, 16), _buffer.View, 1f);
        _device.Synchronize();
    }

    [Benchmark(Description = "launch + sync of a 16-element fill")]
    public void Launch()
    {
        var loop = Loop.Chunked(16, _device.Accelerator.MaxNumThreads);
        _fill(loop.Threads, loop, _buffer.View, 2f);
        _device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _buffer.Dispose();
        _device.Dispose();
    }
}
