using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using ILGPU;
using ILGPU.Runtime;
using IlgpuAe.Compute;

namespace IlgpuAe.Perf;

/// <summary>
/// GEMM on the CPU accelerator in the three transpose cases a Linear layer uses, against a plain
/// .NET SIMD GEMM on the same shapes. Shape "m,n,k"; NT is the forward X[B,in]·W[out,in]^T,
/// NN is dY·W, TN is dY^T·X.
/// </summary>
[Config(typeof(GemmConfig))]
public class GemmBenchmarks
{
    [Params("1024,400,784", "128,400,784", "1024,1024,1024")]
    public string Shape { get; set; } = "";

    [Params("NT", "NN", "TN")]
    public string Ops { get; set; } = "";

    Device _device = null!;
    MemoryBuffer1D<float, Stride1D.Dense> _a = null!, _b = null!, _c = null!;
    float[] _ha = [], _hb = [], _hc = [], _packed = [];
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
        _device = Device.Open(Backend.Cpu);
        _a = _device.Accelerator.Allocate1D(_ha);
        _b = _device.Accelerator.Allocate1D(_hb);
        _c = _device.Accelerator.Allocate1D<float>(_m * _n);
        IlgpuGemm(); // compile outside the measurement
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose(); _b.Dispose(); _c.Dispose();
        _device.Dispose();
    }

    [Benchmark]
    public void IlgpuGemm()
    {
        Gemm.Run(_device, _ta, _tb, _m, _n, _k, 1f, _a.View, _b.View, 0f, _c.View);
        _device.Synchronize();
    }

    [Benchmark(Baseline = true)]
    public void DotnetSimdGemm() => SimdGemmBaseline.Run(_ta, _tb, _m, _n, _k, _ha, _hb, _hc, _packed);
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
