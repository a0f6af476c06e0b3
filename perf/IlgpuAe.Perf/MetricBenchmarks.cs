namespace IlgpuAe.Perf;

/// <summary>The executor's per-step gather of its loss terms (4 scalars): a launch's fixed cost, against a memory copy.</summary>
public class MetricBenchmarks : DeviceBenchmark
{
    MemoryBuffer1D<float, Stride1D.Dense> _source = null!, _sums = null!, _last = null!;
    MemoryBuffer1D<int, Stride1D.Dense> _offsets = null!;

    protected override void Prepare()
    {
        (_source, _sums, _last) = (Random(64, 1), Buffer(4), Buffer(4));
        _offsets = Device.Allocate(new[] { 0, 7, 21, 63 });
    }

    [Benchmark(Description = "gather and accumulate 4 loss terms")]
    public void AccumulateScalars()
    {
        Device.Load<Loop, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>>(MetricKernels.AccumulateScalars)(
            1, new Loop(1, 4), _source.View, _offsets.View, _sums.View, _last.View);
        Device.Synchronize();
    }
}
