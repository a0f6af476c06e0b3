namespace IlgpuAe.Perf;

/// <summary>The reductions over a [Rows, 400] buffer: column sums (a bias gradient), row sums, and the two-phase sum and squared norm.</summary>
public class ReductionBenchmarks : DeviceBenchmark
{
    MemoryBuffer1D<float, Stride1D.Dense> _x = null!, _cols = null!, _rows = null!, _partial = null!, _total = null!;

    protected override void Prepare() =>
        (_x, _cols, _rows, _partial, _total) = (Random(N, 1), Buffer(Cols), Buffer(Rows), Buffer(LoopFor(N).Threads), Buffer(1));

    [Benchmark(Description = "y[c] = sum over rows (bias gradient)")]
    public void ColumnSums()
    {
        ReductionLaunch.ColumnSums(Device, _x.View, _cols.View, Rows, 1f, 0f);
        Device.Synchronize();
    }

    [Benchmark(Description = "y[r] = sum over columns")]
    public void RowSums()
    {
        var loop = LoopFor(Rows);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, int, float, float>(ReductionKernels.RowSums)(loop.Threads, loop, _x.View, _rows.View, Cols, 1f, 0f);
        Device.Synchronize();
    }

    [Benchmark(Description = "sum of x: partials, then one thread")]
    public void Sum()
    {
        var loop = LoopFor(N);
        ReductionLaunch.Sum<float>(Device, loop, _x.View, _partial.View);
        ReductionLaunch.SumPartials(Device, _partial.View, _total.View, loop.Threads, 1f, 0f);
        Device.Synchronize();
    }

    [Benchmark(Description = "||x||^2: partials, then one thread")]
    public void SquaredNorm()
    {
        var loop = LoopFor(N);
        ReductionLaunch.SquaredNorm<float>(Device, loop, _x.View, _partial.View);
        ReductionLaunch.SumPartials(Device, _partial.View, _total.View, loop.Threads, 1f, 0f);
        Device.Synchronize();
    }
}
