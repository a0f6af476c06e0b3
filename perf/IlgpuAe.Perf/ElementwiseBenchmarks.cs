namespace IlgpuAe.Perf;

/// <summary>The elementwise kernels every op uses, on [Rows, 400] buffers (against the memory copy of one).</summary>
public class ElementwiseBenchmarks : DeviceBenchmark
{
    MemoryBuffer1D<float, Stride1D.Dense> _a = null!, _b = null!, _y = null!;
    MemoryBuffer1D<int, Stride1D.Dense> _flags = null!;

    protected override void Prepare()
    {
        (_a, _b, _y) = (Random(N, 1), Random(N, 2), Buffer(N));
        _flags = Device.Allocate<int>(LoopFor(N).Threads);
    }

    [Benchmark(Description = "y = a + b")]
    public void Add()
    {
        var loop = LoopFor(N);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>>(ElementwiseKernels.Add)(loop.Threads, loop, _a.View, _b.View, _y.View);
        Device.Synchronize();
    }

    [Benchmark(Description = "y = 0.5·x + 1·y (gradient accumulation)")]
    public void Axpby()
    {
        var loop = LoopFor(N);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, float, float>(ElementwiseKernels.Axpby)(loop.Threads, loop, _a.View, _y.View, 0.5f, 1f);
        Device.Synchronize();
    }

    [Benchmark(Description = "flags[t] = all finite (the divergence guard, phase 1)")]
    public void IsFinite()
    {
        var loop = LoopFor(N);
        Device.Load<Loop, ArrayView<float>, ArrayView<int>>(ElementwiseKernels.IsFinite)(loop.Threads, loop, _a.View, _flags.View);
        Device.Synchronize();
    }
}
