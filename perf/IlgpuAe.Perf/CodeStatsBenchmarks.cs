namespace IlgpuAe.Perf;

/// <summary>The sparse model's code statistic: per row, how many of 400 units are below a threshold.</summary>
public class CodeStatsBenchmarks : DeviceBenchmark
{
    MemoryBuffer1D<float, Stride1D.Dense> _h = null!, _count = null!;

    protected override void Prepare() => (_h, _count) = (Random(N, 1), Buffer(Rows));

    [Benchmark(Description = "count_r = #{c : |h[r,c]| < 0.01}")]
    public void RowCountBelow()
    {
        var loop = LoopFor(Rows);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, int, float>(CodeStatsKernels.RowCountBelow)(loop.Threads, loop, _h.View, _count.View, Cols, 0.01f);
        Device.Synchronize();
    }
}
