namespace IlgpuAe.Perf;

/// <summary>Salt-and-pepper corruption of a [Rows, 784] image batch.</summary>
public class SaltPepperBenchmarks : DeviceBenchmark
{
    const int Pixels = 784;
    MemoryBuffer1D<float, Stride1D.Dense> _x = null!, _y = null!;

    protected override void Prepare() => (_x, _y) = (Random(Rows * Pixels, 1, 0, 1), Buffer(Rows * Pixels));

    [Benchmark(Description = "each pixel 0 or 1 with probability 0.1")]
    public void Noise()
    {
        CorruptionLaunch.SaltPepper(Device, _x.View, _y.View, 1, 2, 0, 0.1f);
        Device.Synchronize();
    }
}
