namespace IlgpuAe.Perf;

/// <summary>
/// The VQ-VAE's nearest-code assignment of Rows·25 code vectors of 16 values (400 values per row) against a codebook of
/// 512: ‖e‖², the GEMM z·Eᵀ and the argmin, beside the memory-copy baseline of the fixture.
/// </summary>
public class QuantizeBenchmarks : DeviceBenchmark
{
    const int Dim = 16, Codes = 512;
    MemoryBuffer1D<float, Stride1D.Dense> _z = null!, _codebook = null!, _scores = null!, _norms = null!, _index = null!, _counts = null!;

    int Vectors => N / Dim;

    protected override void Prepare() =>
        (_z, _codebook, _scores, _norms, _index, _counts) = (Random(N, 1), Random(Codes * Dim, 2), Buffer(Vectors * Codes), Buffer(Codes), Buffer(Vectors), Buffer(Codes));

    [Benchmark(Description = "index = argmin_k ||z - e_k||^2 (norms, GEMM, argmin)")]
    public void Nearest()
    {
        QuantizeLaunch.Nearest<float>(Device, _z.View, _codebook.View, _scores.View, _norms.View, _index.View, Dim);
        Device.Synchronize();
    }

    [Benchmark(Description = "count[k] = #{m : index[m] = k}")]
    public void Counts()
    {
        QuantizeLaunch.Counts<float>(Device, _index.View, _counts.View);
        Device.Synchronize();
    }
}
