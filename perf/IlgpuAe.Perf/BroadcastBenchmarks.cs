namespace IlgpuAe.Perf;

/// <summary>The broadcast kernels on a [Rows, 400] buffer: a sum's backward (one scalar to every element), a row vector added to every row, a row and a column repeated.</summary>
public class BroadcastBenchmarks : DeviceBenchmark
{
    MemoryBuffer1D<float, Stride1D.Dense> _s = null!, _v = null!, _x = null!, _y = null!, _c = null!;

    protected override void Prepare() => (_s, _v, _x, _y, _c) = (Random(1, 1), Random(Cols, 2), Random(N, 3), Buffer(N), Random(Rows, 4));

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

    [Benchmark(Description = "y[r, c] = v[c] (broadcast row; column sums backward)")]
    public void Row()
    {
        BroadcastLaunch.Row(Device, _v.View, _y.View, 1f, 0f);
        Device.Synchronize();
    }

    [Benchmark(Description = "y[r, c] = v[r] (broadcast column; row sums backward)")]
    public void Column()
    {
        BroadcastLaunch.Column(Device, _c.View, _y.View, Cols, 1f, 0f);
        Device.Synchronize();
    }
}
