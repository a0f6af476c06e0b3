namespace IlgpuAe.Perf;

/// <summary>The Philox fills of a [Rows, 400] buffer: uniform (generic kernel) and normal (through the launcher: the CPU body on the CPU accelerator).</summary>
public class RandomBenchmarks : DeviceBenchmark
{
    MemoryBuffer1D<float, Stride1D.Dense> _y = null!;

    protected override void Prepare() => _y = Buffer(N);

    [Benchmark(Description = "U(0, 1)")]
    public void Uniform()
    {
        var loop = LoopFor(N);
        Device.Load<Loop, ArrayView<float>, ulong, ulong>(RandomKernels.Uniform)(loop.Threads, loop, _y.View, 1, 2);
        Device.Synchronize();
    }

    [Benchmark(Description = "N(0, 1), Box-Muller")]
    public void Normal()
    {
        RandomLaunch.Normal(Device, _y.View, 1, 2, 0, 0f, 1f);
        Device.Synchronize();
    }
}
