namespace IlgpuAe.Perf;

/// <summary>The β-TCVAE total correlation over [Rows, 20] codes: the B × B × 20 log-density block forward, and its gradient to z.</summary>
public class TotalCorrelationBenchmarks : DeviceBenchmark
{
    const int Latent = 20;
    MemoryBuffer1D<float, Stride1D.Dense> _z = null!, _mean = null!, _logVar = null!, _rows = null!, _resp = null!, _lse = null!, _g = null!, _dZ = null!;

    protected override void Prepare()
    {
        (_z, _mean, _logVar, _g) = (Random(Rows * Latent, 1, -2, 2), Random(Rows * Latent, 2, -1, 1), Random(Rows * Latent, 3, -1, 1), Random(1, 4));
        (_rows, _resp, _lse, _dZ) = (Buffer(Rows), Buffer(Rows * Rows), Buffer(Rows * Latent), Buffer(Rows * Latent));
    }

    [Benchmark(Description = "total correlation rows, softmax weights, per-dimension LSE")]
    public void Forward()
    {
        var loop = LoopFor(Rows);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, int>(TotalCorrelationKernels.Forward)(
            loop.Threads, loop, _z.View, _mean.View, _logVar.View, _rows.View, _resp.View, _lse.View, Latent, MathF.Log(60000f * Rows), 1);
        Device.Synchronize();
    }

    [Benchmark(Description = "its gradient to z")]
    public void BackwardZ()
    {
        var loop = LoopFor(Rows);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float, float>(TotalCorrelationKernels.BackwardZ)(
            loop.Threads, loop, _z.View, _mean.View, _logVar.View, _resp.View, _lse.View, _g.View, _dZ.View, Latent, 1, 1f / Rows, 0f);
        Device.Synchronize();
    }
}
