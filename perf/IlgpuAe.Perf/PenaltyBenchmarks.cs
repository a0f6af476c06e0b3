namespace IlgpuAe.Perf;

/// <summary>The sparsity penalties of a [Rows, 400] code: L1 and KL sparsity, forward and backward.</summary>
public class PenaltyBenchmarks : DeviceBenchmark
{
    MemoryBuffer1D<float, Stride1D.Dense> _h = null!, _rowPenalty = null!, _unitKl = null!, _g = null!, _dH = null!;

    protected override void Prepare() =>
        (_h, _rowPenalty, _unitKl, _g, _dH) = (Random(N, 1, 0.05, 0.95), Buffer(Rows), Buffer(Cols), Random(1, 2), Buffer(N));

    [Benchmark(Description = "L1 per row")]
    public void L1Forward()
    {
        var loop = LoopFor(Rows);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, int>(PenaltyKernels.L1Forward)(loop.Threads, loop, _h.View, _rowPenalty.View, Cols);
        Device.Synchronize();
    }

    [Benchmark(Description = "dh = g·scale·sign(h)")]
    public void L1Backward()
    {
        var loop = LoopFor(N);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float>(PenaltyKernels.L1Backward)(loop.Threads, loop, _h.View, _g.View, _dH.View, 1f / Rows, 0f);
        Device.Synchronize();
    }

    [Benchmark(Description = "KL sparsity per unit (rho = 0.05)")]
    public void KlSparsityForward()
    {
        var loop = LoopFor(Cols);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, int, float>(PenaltyKernels.KlSparsityForward)(loop.Threads, loop, _h.View, _unitKl.View, Rows, 0.05f);
        Device.Synchronize();
    }

    [Benchmark(Description = "its gradient to h")]
    public void KlSparsityBackward()
    {
        var loop = LoopFor(Cols);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, float, float>(PenaltyKernels.KlSparsityBackward)(
            loop.Threads, loop, _h.View, _g.View, _dH.View, Rows, 0.05f, 1f, 0f);
        Device.Synchronize();
    }
}
