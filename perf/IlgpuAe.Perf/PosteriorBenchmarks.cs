namespace IlgpuAe.Perf;

/// <summary>The full-covariance posterior's pieces over a [Rows, 20] code: the lower-triangular factor from its raw parameters and -log q(z|x).</summary>
public class PosteriorBenchmarks : DeviceBenchmark
{
    const int Latent = 20;
    MemoryBuffer1D<float, Stride1D.Dense> _raw = null!, _l = null!, _eps = null!, _logVar = null!, _rowOut = null!;

    protected override void Prepare() =>
        (_raw, _l, _eps, _logVar, _rowOut) = (Random(Rows * Latent * Latent, 1), Buffer(Rows * Latent * Latent), Random(Rows * Latent, 2), Random(Rows * Latent, 3), Buffer(Rows));

    [Benchmark(Description = "L from raw (softplus diagonal, floor 1e-3)")]
    public void TriangularFactorForward()
    {
        var loop = LoopFor(Rows * Latent * Latent);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, int, float>(PosteriorKernels.TriangularFactorForward)(loop.Threads, loop, _raw.View, _l.View, Latent, 1e-3f);
        Device.Synchronize();
    }

    [Benchmark(Description = "-log q(z|x), diagonal, per row")]
    public void NegLogQDiagonalForward()
    {
        var loop = LoopFor(Rows);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(PosteriorKernels.NegLogQDiagonalForward)(loop.Threads, loop, _eps.View, _logVar.View, _rowOut.View, Latent);
        Device.Synchronize();
    }
}
