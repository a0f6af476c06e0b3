namespace IlgpuAe.Perf;

/// <summary>The VAE's KL terms over a [Rows, 20] code: against N(0, I), between two diagonal Gaussians, and of a lower-triangular posterior (20x20 factors).</summary>
public class DivergenceBenchmarks : DeviceBenchmark
{
    const int Latent = 20;
    MemoryBuffer1D<float, Stride1D.Dense> _mean = null!, _logVar = null!, _meanP = null!, _logVarP = null!, _l = null!, _rowKl = null!, _g = null!;
    MemoryBuffer1D<float, Stride1D.Dense> _dMean = null!, _dLogVar = null!;

    protected override void Prepare()
    {
        int n = Rows * Latent;
        (_mean, _logVar, _meanP, _logVarP) = (Random(n, 1), Random(n, 2), Random(n, 3), Random(n, 4));
        (_l, _rowKl, _g) = (Random(Rows * Latent * Latent, 5, 0.5, 1.5), Buffer(Rows), Random(1, 6));
        (_dMean, _dLogVar) = (Buffer(n), Buffer(n));
    }

    [Benchmark(Description = "KL(N(mu, diag) || N(0, I)) per row")]
    public void KlDiagonalForward()
    {
        var loop = LoopFor(Rows);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(DivergenceKernels.KlDiagonalForward)(loop.Threads, loop, _mean.View, _logVar.View, _rowKl.View, Latent);
        Device.Synchronize();
    }

    [Benchmark(Description = "its gradient to mu and log sigma^2")]
    public void KlDiagonalBackward()
    {
        var loop = LoopFor(Rows * Latent);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float>(DivergenceKernels.KlDiagonalBackward)(
            loop.Threads, loop, _mean.View, _logVar.View, _g.View, _dMean.View, _dLogVar.View, 1f / Rows, 0f);
        Device.Synchronize();
    }

    [Benchmark(Description = "KL between two diagonal Gaussians per row")]
    public void KlDiagonalGaussiansForward()
    {
        var loop = LoopFor(Rows);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(DivergenceKernels.KlDiagonalGaussiansForward)(
            loop.Threads, loop, _mean.View, _logVar.View, _meanP.View, _logVarP.View, _rowKl.View, Latent);
        Device.Synchronize();
    }

    [Benchmark(Description = "KL(N(mu, LL^T) || N(0, I)) per row")]
    public void KlLowerTriangularForward()
    {
        var loop = LoopFor(Rows);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(DivergenceKernels.KlLowerTriangularForward)(loop.Threads, loop, _mean.View, _l.View, _rowKl.View, Latent);
        Device.Synchronize();
    }

    // Fused against unfused in the same run: the KL term's value and gradient as the two launches a plan made before
    // (rows, then the gradient at beta 0) and as the one launch it makes when it fuses the term's backward into its forward.

    [Benchmark(Description = "KL diagonal value, then gradient: two launches")]
    public void KlDiagonalTwoLaunches()
    {
        KlDiagonalForward();
        KlDiagonalBackward();
    }

    [Benchmark(Description = "KL diagonal value and gradient: one launch")]
    public void KlDiagonalValueAndGrad()
    {
        var rows = LoopFor(Rows);
        var elements = LoopFor(Rows * Latent);
        Device.Load<Loop, Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(DivergenceKernels.KlDiagonalValueAndGrad)(
            Math.Max(rows.Threads, elements.Threads), rows, elements, _mean.View, _logVar.View, _rowKl.View, _dMean.View, _dLogVar.View, Latent, 1f / Rows);
        Device.Synchronize();
    }
}
