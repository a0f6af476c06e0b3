namespace IlgpuAe.Perf;

/// <summary>The reconstruction losses of a [Rows, 784] batch through the engine's launchers (BCE's CPU bodies on the CPU accelerator).</summary>
public class LossBenchmarks : DeviceBenchmark
{
    const int Pixels = 784;
    MemoryBuffer1D<float, Stride1D.Dense> _z = null!, _x = null!, _rowLoss = null!, _g = null!, _dz = null!;

    protected override void Prepare() =>
        (_z, _x, _rowLoss, _g, _dz) = (Random(Rows * Pixels, 1, -4, 4), Random(Rows * Pixels, 2, 0, 1), Buffer(Rows), Random(1, 3), Buffer(Rows * Pixels));

    [Benchmark(Description = "BCE-with-logits per row")]
    public void BceForward()
    {
        LossLaunch.BceForward<float>(Device, _z.View, _x.View, _rowLoss.View, Pixels);
        Device.Synchronize();
    }

    [Benchmark(Description = "dz = g·scale·(sigma(z) - x)")]
    public void BceBackward()
    {
        LossLaunch.BceBackward(Device, _z.View, _x.View, _g.View, _dz.View, 1f / Rows, 0f);
        Device.Synchronize();
    }

    [Benchmark(Description = "squared error per row")]
    public void MseForward()
    {
        LossLaunch.MseForward<float>(Device, _z.View, _x.View, _rowLoss.View, Pixels);
        Device.Synchronize();
    }

    [Benchmark(Description = "dp = g·scale·2(p - x)")]
    public void MseBackward()
    {
        LossLaunch.MseBackward(Device, _z.View, _x.View, _g.View, _dz.View, 1f / Rows, 0f);
        Device.Synchronize();
    }

    // Fused against unfused in the same run: BCE's value and gradient as the two launches a plan made before and as the
    // one launch it makes when it fuses the term's backward into its forward.

    [Benchmark(Description = "BCE value, then gradient: two launches")]
    public void BceTwoLaunches()
    {
        LossLaunch.BceForward<float>(Device, _z.View, _x.View, _rowLoss.View, Pixels);
        LossLaunch.BceBackward(Device, _z.View, _x.View, _g.View, _dz.View, 1f / Rows, 0f);
        Device.Synchronize();
    }

    [Benchmark(Description = "BCE value and gradient: one launch")]
    public void BceValueAndGrad()
    {
        LossLaunch.BceValueAndGrad(Device, _z.View, _x.View, _rowLoss.View, _dz.View, Pixels, 1f / Rows);
        Device.Synchronize();
    }
}
