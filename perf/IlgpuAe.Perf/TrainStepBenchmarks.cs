using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Training;

namespace IlgpuAe.Perf;

/// <summary>
/// One training step (upload, forward, backward, guard, Adam) of every model the engine has, on the CPU
/// accelerator and, where this machine has one, on CUDA; synchronised at the end so the time includes all
/// device work. A new model is one line in <see cref="Models"/> and one case in <see cref="Create"/>.
/// </summary>
[MemoryDiagnoser]
public class TrainStepBenchmarks
{
    Device _device = null!;
    Model<float> _model = null!;
    Adam _adam = null!;
    Trainer<float> _trainer = null!;
    Batch _batch = null!;

    /// <summary>
    /// Model kinds measured, each with the CLI's default options: ae (784-400-32), vae (784-400-20, Bernoulli
    /// decoder, diagonal posterior, normal prior), cvae (label condition, learned prior), dae (Gaussian noise 0.3),
    /// sparse (L1 on a ReLU code), cae (one sigmoid layer 784-32, exact Jacobian penalty).
    /// </summary>
    public static IEnumerable<string> Models => ["ae", "vae", "cvae", "dae", "sparse", "cae"];

    [ParamsSource(nameof(Models))]
    public string Model { get; set; } = "ae";

    [ParamsSource(typeof(CudaProbe), nameof(CudaProbe.Backends))]
    public string Backend { get; set; } = "cpu";

    [Params(128, 1024)]
    public int BatchSize { get; set; }

    /// <summary>The model of <paramref name="kind"/> (one of <see cref="Models"/>) with the options above, seed 1 (also perf/IlgpuAe.Torch's).</summary>
    public static Model<float> Create(Device device, string kind) => kind switch
    {
        "ae" => new Autoencoder<float>(device, new AutoencoderOptions { Hidden = [400], Code = 32 }, seed: 1),
        "vae" => new Vae<float>(device, new VaeOptions { Hidden = [400], Latent = 20 }, seed: 1),
        "cvae" => new Cvae<float>(device, new CvaeOptions { Hidden = [400], Latent = 20 }, seed: 1),
        "dae" => new DenoisingAutoencoder<float>(device, new DenoisingOptions(), seed: 1),
        "sparse" => new SparseAutoencoder<float>(device, new SparseOptions(), seed: 1),
        "cae" => new ContractiveAutoencoder<float>(device, new ContractiveOptions(), seed: 1),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown model"),
    };

    [GlobalSetup]
    public void Setup()
    {
        _device = Device.Open(BackendNames.Parse(Backend));
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
