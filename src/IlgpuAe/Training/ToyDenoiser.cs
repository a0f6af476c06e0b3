using IlgpuAe.Data;
using IlgpuAe.Kernels;
using IlgpuAe.Models;
using IlgpuAe.Ops;
using IlgpuAe.Optim;

namespace IlgpuAe.Training;

/// <summary>How `ilgpu-ae field` trains its DAE on a toy distribution.</summary>
public sealed record ToyDenoiserSettings
{
    public ToyShape Shape { get; init; } = ToyShape.Circle;
    public int Points { get; init; } = 2000;
    public double DataNoise { get; init; } = 0.01;
    public double Sigma { get; init; } = 0.05;
    public int[] Hidden { get; init; } = [64];
    public int Code { get; init; } = 32;
    public Activation Activation { get; init; } = Activation.Tanh;
    public int Epochs { get; init; } = 150;
    public int Batch { get; init; } = 64;
    public double LearningRate { get; init; } = 1e-2;
    public ulong Seed { get; init; } = 1;
}

/// <summary>A denoising autoencoder on 2-D toy data: squared error, Gaussian corruption, Adam.</summary>
public static class ToyDenoiser
{
    public static (DenoisingAutoencoder<float> Model, Dataset Data, IReadOnlyList<EpochReport> Reports) Train(
        Device device, ToyDenoiserSettings s, Action<EpochReport>? onEpoch = null)
    {
        var data = ToyData.Make(s.Shape, s.Points, s.DataNoise, s.Seed);
        var test = ToyData.Make(s.Shape, Math.Max(s.Batch, 256), s.DataNoise, s.Seed + 1);
        var model = new DenoisingAutoencoder<float>(device, new DenoisingOptions
        {
            Autoencoder = new AutoencoderOptions
            {
                Features = 2, Hidden = s.Hidden, Code = s.Code, Activation = s.Activation,
                CodeActivation = s.Activation, Loss = Reconstruction.Mse,
            },
            Noise = new Corruption(NoiseKind.Gaussian, s.Sigma),
        }, s.Seed);
        try
        {
            using var adam = new Adam(s.LearningRate);
            var reports = new Trainer<float>(model, adam, s.Batch, s.Seed).Run(data, test, s.Epochs, onEpoch);
            return (model, data, reports);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
