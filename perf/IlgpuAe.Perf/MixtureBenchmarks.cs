namespace IlgpuAe.Perf;

/// <summary>The learned Gaussian-mixture prior (10 components) over a [Rows, 20] code: the negative log-density and its gradients.</summary>
public class MixtureBenchmarks : DeviceBenchmark
{
    const int Latent = 20, Components = 10;
    MemoryBuffer1D<float, Stride1D.Dense> _z = null!, _means = null!, _logVars = null!, _logits = null!, _rowNegLogP = null!, _resp = null!, _g = null!, _dZ = null!;

    protected override void Prepare()
    {
        (_z, _means, _logVars, _logits) = (Random(Rows * Latent, 1, -2, 2), Random(Components * Latent, 2), Random(Components * Latent, 3), Random(Components, 4));
        (_rowNegLogP, _resp, _g, _dZ) = (Buffer(Rows), Buffer(Rows * Components), Random(1, 5), Buffer(Rows * Latent));
    }

    [Benchmark(Description = "-log p(z) and responsibilities per row")]
    public void NegLogDensityForward()
    {
        var loop = LoopFor(Rows);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(MixtureKernels.GmmNegLogDensityForward)(
            loop.Threads, loop, _z.View, _means.View, _logVars.View, _logits.View, _rowNegLogP.View, _resp.View, Latent);
        Device.Synchronize();
    }

    [Benchmark(Description = "its gradient to z")]
    public void NegLogDensityBackwardZ()
    {
        var loop = LoopFor(Rows * Latent);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, float>(MixtureKernels.GmmNegLogDensityBackwardZ)(
            loop.Threads, loop, _z.View, _means.View, _logVars.View, _resp.View, _g.View, _dZ.View, Latent, 1f / Rows, 0f);
        Device.Synchronize();
    }
}
