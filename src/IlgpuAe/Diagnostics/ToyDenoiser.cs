using IlgpuAe.Training;
using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Ops;
using IlgpuAe.Optim;

namespace IlgpuAe.Diagnostics;

/// <summary>How `ilgpu-ae field` trains its DAE on a toy distribution.</summary>
public sealed record ToyDenoiserSettings
{
    /// <summary>The toy distribution.</summary>
    public ToyShape Shape { get; init; } = ToyShape.Circle;
    /// <summary>Training points.</summary>
    public int Points { get; init; } = 2000;
    /// <summary>Standard deviation of the noise on the data itself.</summary>
    public double DataNoise { get; init; } = 0.01;
    /// <summary>σ of the Gaussian corruption the denoiser learns to undo.</summary>
    public double Sigma { get; init; } = 0.05;
    /// <summary>Hidden layer widths of the encoder (the decoder mirrors them).</summary>
    public int[] Hidden { get; init; } = [64];
    /// <summary>Width of the code.</summary>
    public int Code { get; init; } = 32;
    /// <summary>Activation of every hidden layer.</summary>
    public Activation Activation { get; init; } = Activation.Tanh;
    /// <summary>Epochs to train.</summary>
    public int Epochs { get; init; } = 150;
    /// <summary>Rows per batch.</summary>
    public int Batch { get; init; } = 64;
    /// <summary>Adam's learning rate.</summary>
    public double LearningRate { get; init; } = 1e-2;
    /// <summary>Seed of the data, the initialisation and the training order.</summary>
    public ulong Seed { get; init; } = 1;
}

/// <summary>A denoising autoencoder on 2-D toy data: squared error, Gaussian corruption, Adam.</summary>
public static class ToyDenoiser
{
    /// <summary>Trains a float DAE on <paramref name="device"/> and returns it with its training data and one report per epoch (also passed to <paramref name="onEpoch"/>).</summary>
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
