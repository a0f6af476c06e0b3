using BenchmarkDotNet.Attributes;
using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Training;

namespace IlgpuAe.Perf;

/// <summary>
/// One training step (upload, forward, backward, Adam) of the 784-400-32 autoencoder on the CPU
/// accelerator, synchronised at the end so the time includes all device work.
/// </summary>
[MemoryDiagnoser]
public class TrainStepBenchmarks
{
    Device _device = null!;
    Autoencoder<float> _model = null!;
    Adam _adam = null!;
    Trainer<float> _trainer = null!;
    Batch _batch = null!;

    [Params(128, 1024)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _device = Device.Open(Backend.Cpu);
        _model = new Autoencoder<float>(_device, new AutoencoderOptions { Hidden = [400], Code = 32 }, seed: 1);
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

    [Benchmark(Description = "ae 784-400-32 train step")]
    public void AutoencoderStep()
    {
        _trainer.Step(_batch);
        _device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _model.Dispose();
        _adam.Dispose();
        _device.Dispose();
    }
}
