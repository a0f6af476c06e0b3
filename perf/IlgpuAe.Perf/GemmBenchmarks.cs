using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using ILGPU.Runtime.Cuda;

namespace IlgpuAe.Perf;

/// <summary>
/// GEMM in the three transpose cases a Linear layer uses (NT is the forward X[B,in]·W[out,in]^T, NN is dY·W,
/// TN is dY^T·X), shape "m,n,k", against the backend's yardstick in the same run (the Baseline column):
/// on the CPU accelerator a plain .NET SIMD GEMM (<see cref="SimdGemmBaseline"/>), on CUDA cuBLAS SGEMM through
/// ILGPU.Algorithms' wrapper, in this process. 4096^3 is measured only where CUDA is found (on 2 CPU cores it
/// is a second per call).
/// </summary>
[Config(typeof(GemmConfig))]
public class GemmBenchmarks
{
    /// <summary>
    /// m,n,k: the model's layers at batch 1024 and 128 (the encoder's 784 -> 400 is n = 400, k = 784; the decoder's
    /// 400 -> 784 is n = 784, k = 400), 1024^3, and 4096^3 where CUDA is found.
    /// </summary>
    public static IEnumerable<string> Shapes =>
        ["1024,400,784", "1024,784,400", "128,400,784", "128,784,400", "1024,1024,1024", .. CudaProbe.Available ? ["4096,4096,4096"] : Array.Empty<string>()];

    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "";

    [Params("NT", "NN", "TN")]
    public string Ops { get; set; } = "";

    [ParamsSource(typeof(CudaProbe), nameof(CudaProbe.Backends))]
    public string Backend { get; set; } = "cpu";

    Device _device = null!;
    MemoryBuffer1D<float, Stride1D.Dense> _a = null!, _b = null!, _c = null!;
    float[] _ha = [], _hb = [], _hc = [], _packed = [];
    CuBlas? _cublas;
    int _m, _n, _k;
    bool _ta, _tb;

    [GlobalSetup]
    public void Setup()
    {
        var dims = Shape.Split(',').Select(int.Parse).ToArray();
        (_m, _n, _k) = (dims[0], dims[1], dims[2]);
        (_ta, _tb) = (Ops[0] == 'T', Ops[1] == 'T');
        var rng = new Random(1);
        _ha = Enumerable.Range(0, _m * _k).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _hb = Enumerable.Range(0, _k * _n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _hc = new float[_m * _n];
        _packed = new float[_k * (_n + 64)];
        _device = Device.Open(BackendNames.Parse(Backend));
        _a = _device.Accelerator.Allocate1D(_ha);
        _b = _device.Accelerator.Allocate1D(_hb);
        _c = _device.Accelerator.Allocate1D<float>(_m * _n);
        IlgpuGemm(); // compile outside the measurement
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cublas?.Dispose();
        _a.Dispose(); _b.Dispose(); _c.Dispose();
        _device.Dispose();
    }

    [Benchmark]
    public void IlgpuGemm()
    {
        Gemm.Run(_device, _ta, _tb, _m, _n, _k, 1f, _a.View, _b.View, 0f, _c.View);
        _device.Synchronize();
    }

    /// <summary>The yardstick: the plain .NET SIMD GEMM on the CPU accelerator, cuBLAS SGEMM (FP32, default math mode) on CUDA.</summary>
    [Benchmark(Baseline = true)]
    public void Reference()
    {
        if (_device.Backend != IlgpuAe.Backend.Cuda)
        {
            SimdGemmBaseline.Run(_ta, _tb, _m, _n, _k, _ha, _hb, _hc, _packed);
            return;
        }
        _cublas ??= OpenCuBlas((CudaAccelerator)_device.Accelerator);
        CuBlasGemm.RowMajor(_cublas, _ta, _tb, _m, _n, _k, 1f, _a.View, _b.View, 0f, _c.View);
        _device.Synchronize();
    }

    static CuBlas OpenCuBlas(CudaAccelerator accelerator)
    {
        try { return new CuBlas(accelerator); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or CuBlasException)
        {
            throw new InvalidOperationException(
                $"cuBLAS could not be opened ({e.Message}); the baseline needs NVIDIA's libcublas beside the driver", e);
        }
    }
}

/// <summary>Row-major C = op(A)·op(B) through column-major cuBLAS.</summary>
public static class CuBlasGemm
{
    /// <summary>
    /// C[m,n] = alpha·op(A)·op(B) + beta·C, all row-major. Read as column-major, each row-major matrix is its own
    /// transpose, so cuBLAS computes Cᵀ = op(B)ᵀ·op(A)ᵀ: B first, the sizes swapped to (n, m, k), and every
    /// leading dimension the row length of the row-major storage.
    /// </summary>
    public static void RowMajor(CuBlas cublas, bool transA, bool transB, int m, int n, int k,
        float alpha, ArrayView<float> a, ArrayView<float> b, float beta, ArrayView<float> c)
    {
        ArgumentNullException.ThrowIfNull(cublas);
        cublas.Gemm(
            transB ? CuBlasOperation.Transpose : CuBlasOperation.NonTranspose,
            transA ? CuBlasOperation.Transpose : CuBlasOperation.NonTranspose,
            n, m, k, alpha, b, transB ? k : n, a, transA ? m : k, beta, c, n);
    }
}

/// <summary>Adds the GFLOP/s column.</summary>
public class GemmConfig : ManualConfig
{
    public GemmConfig() => AddColumn(new GflopsColumn());
}

/// <summary>2·m·n·k / mean time, from the benchmark's Shape parameter.</summary>
public class GflopsColumn() : RateColumn("GFLOPS", "GFLOP/s", "2·m·n·k / mean time, in 1e9 per second")
{
    protected override double? Work(BenchmarkCase benchmarkCase)
    {
        if (benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Shape")?.Value is not string shape) return null;
        var d = shape.Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return 2 * d[0] * d[1] * d[2];
    }
}
