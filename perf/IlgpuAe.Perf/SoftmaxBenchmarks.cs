namespace IlgpuAe.Perf;

/// <summary>Row-wise log-sum-exp and softmax (forward and backward) over a [Rows, 400] buffer, against its memory copy.</summary>
public class SoftmaxBenchmarks : DeviceBenchmark
{
    MemoryBuffer1D<float, Stride1D.Dense> _x = null!, _y = null!, _dy = null!, _dx = null!, _lse = null!, _dlse = null!;

    protected override void Prepare() =>
        (_x, _y, _dy, _dx, _lse, _dlse) = (Random(N, 1, -4, 4), Buffer(N), Random(N, 2), Buffer(N), Buffer(Rows), Random(Rows, 3));

    [Benchmark(Description = "lse[r] = m + ln sum exp(x - m)")]
    public void LogSumExp()
    {
        SoftmaxLaunch.LogSumExp<float>(Device, _x.View, _lse.View, Cols);
        Device.Synchronize();
    }

    [Benchmark(Description = "dx = dlse[r]·exp(x - lse[r])")]
    public void LogSumExpBackward()
    {
        SoftmaxLaunch.LogSumExpBackward(Device, _x.View, _lse.View, _dlse.View, _dx.View, Cols, 0f);
        Device.Synchronize();
    }

    [Benchmark(Description = "y = softmax(x) per row")]
    public void Forward()
    {
        SoftmaxLaunch.Forward<float>(Device, _x.View, _y.View, Cols);
        Device.Synchronize();
    }

    [Benchmark(Description = "dx = y·(dy - sum dy·y)")]
    public void Backward()
    {
        SoftmaxLaunch.Backward(Device, _y.View, _dy.View, _dx.View, Cols, 0f);
        Device.Synchronize();
    }
}
