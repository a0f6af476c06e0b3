namespace IlgpuAe.Perf;

/// <summary>The broadcast kernels on a [Rows, 400] buffer: a sum's backward (one scalar to every element) and a row vector added to every row.</summary>
public class BroadcastBenchmarks : DeviceBenchmark
{
    MemoryBuffer1D<float, Stride1D.Dense> _s = null!, _v = null!, _x = null!, _y = null!;

    protected override void Prepare() => (_s, _v, _x, _y) = (Random(1, 1), Random(Cols, 2), Random(N, 3), Buffer(N));

    [Benchmark(Description = "y = beta·y + scale·s (sum backward)")]
    public void Scalar()
    {
        var loop = LoopFor(N);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, float, float>(BroadcastKernels.Scalar)(loop.Threads, loop, _s.View, _y.View, 0.5f, 0f);
        Device.Synchronize();
    }

    [Benchmark(Description = "y[r, c] = x[r, c] + v[c]")]
    public void AddRow()
    {
        var loop = LoopFor(N);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(BroadcastKernels.AddRow)(loop.Threads, loop, _x.View, _v.View, _y.View, Cols);
        Device.Synchronize();
    }
}
