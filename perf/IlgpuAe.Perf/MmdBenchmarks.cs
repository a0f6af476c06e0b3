namespace IlgpuAe.Perf;

/// <summary>The MMD² between [Rows, 20] codes and as many prior draws (IMQ kernel): the row partials and the gradient, O(Rows²·20) each.</summary>
public class MmdBenchmarks : DeviceBenchmark
{
    const int Latent = 20;
    MemoryBuffer1D<float, Stride1D.Dense> _z = null!, _p = null!, _rows = null!, _g = null!, _dZ = null!;

    protected override void Prepare()
    {
        (_z, _p, _g) = (Random(Rows * Latent, 1, -2, 2), Random(Rows * Latent, 2, -2, 2), Random(1, 3));
        (_rows, _dZ) = (Buffer(Rows), Buffer(Rows * Latent));
    }

    float Same => 1f / (Rows * (Rows - 1f));
    float Cross => 2f / ((float)Rows * Rows);

    [Benchmark(Description = "MMD² row partials, IMQ")]
    public void RowsForward()
    {
        var loop = LoopFor(Rows);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float, float, float>(MmdKernels.RowsForward)(
            loop.Threads, loop, _z.View, _p.View, _rows.View, Latent, MmdKernels.Imq, 2f * Latent, Same, Cross);
        Device.Synchronize();
    }

    [Benchmark(Description = "its gradient to the codes")]
    public void Backward()
    {
        var loop = LoopFor(Rows);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float, float, float, float, float>(MmdKernels.Backward)(
            loop.Threads, loop, _z.View, _p.View, _g.View, _dZ.View, Latent, MmdKernels.Imq, 2f * Latent, Same, Cross, 1f, 0f);
        Device.Synchronize();
    }
}
