namespace IlgpuAe.Perf;

/// <summary>The layout kernels on [Rows, 400] buffers: a slice of half the features, its gradient put back, two halves concatenated, a transpose; against a copy.</summary>
public class LayoutBenchmarks : DeviceBenchmark
{
    const int Half = Cols / 2;
    MemoryBuffer1D<float, Stride1D.Dense> _x = null!, _y = null!, _a = null!, _b = null!;

    protected override void Prepare() => (_x, _y, _a, _b) = (Random(N, 1), Buffer(N), Random(N / 2, 2), Random(N / 2, 3));

    [Benchmark(Description = "y = x[:, 100:300] (slice)")]
    public void Slice()
    {
        LayoutLaunch.Columns(Device, _x.View, _a.View, Cols, 100, Half, 0f);
        Device.Synchronize();
    }

    [Benchmark(Description = "dx = dy placed at columns 100:300 (slice backward)")]
    public void Place()
    {
        LayoutLaunch.PlaceColumns(Device, _a.View, _y.View, Half, 100, Cols, 0f);
        Device.Synchronize();
    }

    [Benchmark(Description = "y = [a | b]")]
    public void Concat()
    {
        LayoutLaunch.Concat<float>(Device, _a.View, _b.View, _y.View, Half, Half);
        Device.Synchronize();
    }

    [Benchmark(Description = "y = x^T")]
    public void Transpose()
    {
        LayoutLaunch.Transpose(Device, _x.View, _y.View, Rows, Cols, 0f);
        Device.Synchronize();
    }
}
