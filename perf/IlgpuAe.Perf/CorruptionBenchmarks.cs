namespace IlgpuAe.Perf;

/// <summary>The denoising autoencoder's corruptions of a [Rows, 784] image batch, through the engine's launchers (the CPU bodies on the CPU accelerator).</summary>
public class CorruptionBenchmarks : DeviceBenchmark
{
    const int Pixels = 784;
    MemoryBuffer1D<float, Stride1D.Dense> _x = null!, _y = null!, _observed = null!;

    protected override void Prepare() => (_x, _y, _observed) = (Random(Rows * Pixels, 1, 0, 1), Buffer(Rows * Pixels), Buffer(Rows * Pixels));

    [Benchmark(Description = "y = x + 0.3·N(0, 1)")]
    public void GaussianNoise()
    {
        CorruptionLaunch.GaussianNoise(Device, _x.View, _y.View, 1, 2, 0, 0.3f);
        Device.Synchronize();
    }

    [Benchmark(Description = "y = 0 with probability 0.25, else x")]
    public void MaskingNoise()
    {
        CorruptionLaunch.MaskingNoise(Device, _x.View, _y.View, 1, 2, 0, 0.25f);
        Device.Synchronize();
    }

    [Benchmark(Description = "a 14x14 block hidden per 28x28 image")]
    public void BlockMask()
    {
        var loop = LoopFor(Rows * Pixels);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, ulong, StreamKey, ArrayView<ulong>, ulong>(CorruptionKernels.BlockMask)(
            loop.Threads, loop, _x.View, _y.View, _observed.View, 28, 28, 14, 14, 1, StreamKey.Fixed(2), Device.ZeroStep, 0);
        Device.Synchronize();
    }
}
