namespace IlgpuAe.Perf;

/// <summary>
/// The importance-weighted bound's kernels over [Rows, 400] rows (Rows samples, K = 5 per image): the per-row Bernoulli
/// likelihood forward and backward, and the negative log-mean-exp over the samples, against the memory copy.
/// </summary>
public class ImportanceBenchmarks : DeviceBenchmark
{
    const int Samples = 5;
    MemoryBuffer1D<float, Stride1D.Dense> _logits = null!, _target = null!, _rowNll = null!, _gradRows = null!, _dLogits = null!, _images = null!, _weights = null!, _g = null!;

    protected override void Prepare()
    {
        (_logits, _target, _gradRows) = (Random(N, 1, -4, 4), Random(N / Samples, 2, 0, 1), Random(Rows, 3));
        (_rowNll, _dLogits, _images, _weights, _g) = (Buffer(Rows), Buffer(N), Buffer(Rows / Samples), Buffer(Rows), Random(1, 4));
    }

    [Benchmark(Description = "-log p(x|z) per row, target tiled")]
    public void RowBernoulliNllForward()
    {
        var loop = LoopFor(Rows);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(ImportanceKernels.RowBernoulliNllForward)(
            loop.Threads, loop, _logits.View, _target.View, _rowNll.View, Cols);
        Device.Synchronize();
    }

    [Benchmark(Description = "its gradient, one upstream value per row")]
    public void RowBernoulliNllBackward()
    {
        var loop = LoopFor(N);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(ImportanceKernels.RowBernoulliNllBackward)(
            loop.Threads, loop, _logits.View, _target.View, _gradRows.View, _dLogits.View, Cols, 0f);
        Device.Synchronize();
    }

    [Benchmark(Description = "negative log-mean-exp over K = 5 samples and the weights")]
    public void NegLogMeanExpForward()
    {
        var loop = LoopFor(Rows / Samples);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(ImportanceKernels.NegLogMeanExpForward)(
            loop.Threads, loop, _gradRows.View, _images.View, _weights.View, Samples, MathF.Log(Samples));
        Device.Synchronize();
    }
}
