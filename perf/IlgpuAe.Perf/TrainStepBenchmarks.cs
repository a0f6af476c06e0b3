using BenchmarkDotNet.Attributes;
using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Training;

namespace IlgpuAe.Perf;

/// <summary>
/// One training step (upload, forward, backward, guard, Adam) of every model the engine has, on the CPU
/// accelerator, synchronised at the end so the time includes all device work. A new model is one line in
/// <see cref="Models"/> and one case in <see cref="Create"/>.
/// </summary>
[MemoryDiagnoser]
public class TrainStepBenchmarks
{
    Device _device = null!;
    Model<float> _model = null!;
    Adam _adam = null!;
    Trainer<float> _trainer = null!;
    Batch _batch = null!;

    /// <summary>Model kinds measured: "ae" (784-400-32) and "vae" (784-400-20, Bernoulli decoder, normal prior).</summary>
    public static IEnumerable<string> Models => ["ae", "vae"];

    [ParamsSource(nameof(Models))]
    public string Model { get; set; } = "ae";

    [Params(128, 1024)]
    public int BatchSize { get; set; }

    static Model<float> Create(Device device, string kind) => kind switch
    {
        "ae" => new Autoencoder<float>(device, new AutoencoderOptions { Hidden = [400], Code = 32 }, seed: 1),
        "vae" => new Vae<float>(device, new VaeOptions { Hidden = [400], Latent = 20 }, seed: 1),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown model"),
    };

    [GlobalSetup]
    public void Setup()
    {
        _device = Device.Open(Backend.Cpu);
        _model = Create(_device, Model);
        _adam = new Adam(1e-3);
        _trainer = new Trainer<float>(_model, _adam, BatchSize, seed: 1);
        var data = FashionMnist.LoadEmbedded().Train;
        var indices = Enumerable.Range(0, BatchSize).ToArray();
        var images = new float[BatchSize * data.Features];
        var labels = new byte[BatchSize];
        data.Gather(indices, images);
        data.GatherLabels(indices, labels);
        _batch = new Batch(images, labels, BatchSize);
        _trainer.Step(_batch); // compile the plan and every kernel outside the measurement
        _device.Synchronize();
    }

    [Benchmark(Description = "train step")]
    public void TrainStep()
    {
        _trainer.Step(_batch);
        _device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _trainer.Dispose();
        _model.Dispose();
        _adam.Dispose();
        _device.Dispose();
    }
}
