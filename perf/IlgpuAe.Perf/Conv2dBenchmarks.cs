using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using ILGPU;
using ILGPU.Runtime;
using IlgpuAe.Compute;
using IlgpuAe.Kernels;

namespace IlgpuAe.Perf;

/// <summary>
/// The four (transposed) convolutions of the default conv architecture at 28×28, batch 128, forward (with bias and ReLU)
/// and backward (input and weight gradients, bias gradient included), against the baseline of the same run: the GEMMs
/// alone that the pass is built on, at their shapes, through the same launcher (the SIMD GEMM on the CPU accelerator),
/// so the ratio is what im2col, col2im and the NCHW reordering cost; on CUDA and OpenCL the pass is the implicit GEMM
/// (no im2col) and the baseline the tiled GEMM at the equivalent shapes, so the ratio is what the gather costs. The GFLOP/s column counts 2·MACs of the
/// convolution per product: forward 2·MACs, backward 4·MACs (dx and dW), for both rows of a case.
/// </summary>
[Config(typeof(Conv2dConfig))]
public class Conv2dBenchmarks
{
    /// <summary>Layer name → (transposed, the convolution's shape at batch 128).</summary>
    public static readonly IReadOnlyDictionary<string, (bool Transposed, Conv2dShape S)> Layers = new Dictionary<string, (bool, Conv2dShape)>
    {
        ["conv 1-32 28x28"] = (false, new Conv2dShape(128, 1, 28, 28, 32, 4, 2, 1)),
        ["conv 32-64 14x14"] = (false, new Conv2dShape(128, 32, 14, 14, 64, 4, 2, 1)),
        ["convT 64-32 7x7"] = (true, new Conv2dShape(128, 32, 14, 14, 64, 4, 2, 1)),
        ["convT 32-1 14x14"] = (true, new Conv2dShape(128, 1, 28, 28, 32, 4, 2, 1)),
    };

    public static IEnumerable<string> LayerNames => Layers.Keys;

    [ParamsSource(nameof(LayerNames))]
    public string Layer { get; set; } = "";

    [Params("forward", "backward")]
    public string Pass { get; set; } = "";

    [ParamsSource(typeof(CudaProbe), nameof(CudaProbe.Backends))]
    public string Backend { get; set; } = "cpu";

    Device _device = null!;
    ConvBody _body;
    Conv2dShape _s;
    bool _transposed;
    MemoryBuffer1D<float, Stride1D.Dense> _image = null!, _features = null!, _w = null!, _bias = null!, _dImage = null!, _dFeatures = null!,
        _dw = null!, _db = null!, _scratch = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_transposed, _s) = Layers[Layer];
        _device = Device.Open(BackendNames.Parse(Backend));
        _body = Conv2dLaunch.BodyFor(_device);
        var rng = new Random(1);
        MemoryBuffer1D<float, Stride1D.Dense> Filled(long n) =>
            _device.Accelerator.Allocate1D(Enumerable.Range(0, (int)n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray());
        _image = Filled(_s.InputLength);
        _features = Filled(_s.OutputLength);
        _dImage = Filled(_s.InputLength);
        _dFeatures = Filled(_s.OutputLength);
        _w = Filled(_s.WeightLength);
        _dw = Filled(_s.WeightLength);
        _bias = Filled(Math.Max(_s.Channels, _s.Filters));
        _db = Filled(Math.Max(_s.Channels, _s.Filters));
        _scratch = Filled(Conv2dLaunch.Scratch(_s));
        Convolution();
        Gemms();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var b in new[] { _image, _features, _dImage, _dFeatures, _w, _bias, _dw, _db, _scratch }) b.Dispose();
        _device.Dispose();
    }

    [Benchmark]
    public void Convolution()
    {
        var d = _device;
        if (!_transposed && Pass == "forward")
            Conv2dLaunch.Forward(d, _body, _s, _image.View, _w.View, _bias.View.SubView(0, _s.Filters), _features.View, Activation.Relu, 0f, _scratch.View);
        else if (!_transposed)
            Conv2dLaunch.Backward(d, _body, _s, _image.View, _w.View, _dFeatures.View, _dImage.View, 0f, _dw.View, 0f, _db.View.SubView(0, _s.Filters), 0f, _scratch.View);
        else if (Pass == "forward")
            Conv2dLaunch.TransposedForward(d, _body, _s, _features.View, _w.View, _bias.View.SubView(0, _s.Channels), _image.View, Activation.Relu, 0f, _scratch.View);
        else
            Conv2dLaunch.TransposedBackward(d, _body, _s, _features.View, _w.View, _dImage.View, _dFeatures.View, 0f, _dw.View, 0f, _db.View.SubView(0, _s.Channels), 0f, _scratch.View);
        d.Synchronize();
    }

    /// <summary>The pass's GEMMs alone, on buffers of their shapes (col = the first scratch part, the channel-major buffer the second).</summary>
    [Benchmark(Baseline = true)]
    public void Gemms()
    {
        var d = _device;
        int o = _s.Filters, n = (int)_s.ColCols, ck = _s.ColRows;
        var col = _scratch.View.SubView(0, _s.ColLength);
        var cm = _scratch.View.SubView(_s.ColLength, _s.OutputLength);
        if (Pass == "forward")
        {
            if (!_transposed) Gemm.Run(d, false, false, o, n, ck, 1f, _w.View, col, 0f, cm);
            else Gemm.Run(d, true, false, ck, n, o, 1f, _w.View, cm, 0f, col);
        }
        else if (!_transposed)
        {
            Gemm.Run(d, false, true, o, ck, n, 1f, cm, col, 0f, _dw.View);
            Gemm.Run(d, true, false, ck, n, o, 1f, _w.View, cm, 0f, col);
        }
        else
        {
            Gemm.Run(d, false, false, o, n, ck, 1f, _w.View, col, 0f, cm);
            Gemm.Run(d, false, true, o, ck, n, 1f, cm, col, 0f, _dw.View);
        }
        d.Synchronize();
    }
}

/// <summary>Adds the GFLOP/s column of the convolution benchmarks.</summary>
public class Conv2dConfig : ManualConfig
{
    public Conv2dConfig() => AddColumn(new ConvGflopsColumn());
}

/// <summary>2·MACs (forward) or 4·MACs (backward: dx and dW) of the case's layer / mean time.</summary>
public class ConvGflopsColumn() : RateColumn("ConvGFLOPS", "GFLOP/s", "2·MACs per product of the convolution (forward 1, backward 2) / mean time, in 1e9 per second")
{
    protected override double? Work(BenchmarkCase benchmarkCase)
    {
        var items = benchmarkCase.Parameters.Items;
        if (items.FirstOrDefault(p => p.Name == "Layer")?.Value is not string layer || !Conv2dBenchmarks.Layers.TryGetValue(layer, out var l)) return null;
        bool backward = items.FirstOrDefault(p => p.Name == "Pass")?.Value is "backward";
        return 2.0 * l.S.Macs * (backward ? 2 : 1);
    }
}
