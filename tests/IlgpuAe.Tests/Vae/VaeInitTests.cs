using IlgpuAe.Checkpoints;
using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Training;
using Xunit;

namespace IlgpuAe.Tests.Vae;

/// <summary>The linear-layer initialisation schemes of a VAE (issue 3's quality-bar investigation) and the trainer's short last batch.</summary>
public class VaeInitTests
{
    [Fact]
    public void PyTorch_scheme_draws_weights_and_biases_uniform_within_one_over_root_fan_in()
    {
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Initialisation = InitScheme.PyTorch }, seed: 1);
        var values = model.Parameters.InitialValues();
        Assert.Equal(10, model.Parameters.Parameters.Count);
        foreach (var p in model.Parameters.Parameters)
        {
            Assert.Equal(Init.FanInUniform, p.Init);
            double bound = 1 / Math.Sqrt(p.FanIn);
            var v = values.AsSpan((int)p.Offset, (int)p.Length).ToArray().Select(x => (double)x).ToArray();
            Assert.All(v, x => Assert.InRange(Math.Abs(x), 0, bound));
            // U(-b, b): mean 0, variance b²/3; every layer is at least 20 wide, so these bounds hold by many standard errors.
            double mean = v.Average(), variance = v.Select(x => x * x).Average();
            Assert.InRange(mean, -0.5 * bound, 0.5 * bound);
            Assert.InRange(variance, 0.5 * bound * bound / 3, 1.5 * bound * bound / 3);
        }
        Assert.Equal(1 / Math.Sqrt(784), 1 / Math.Sqrt(model.Parameters["encoder.0.bias"].FanIn), 12);
        Assert.Equal(1 / Math.Sqrt(400), 1 / Math.Sqrt(model.Parameters["encoder.head.logvar.bias"].FanIn), 12);
    }

    [Fact]
    public void Engine_scheme_stays_the_default_with_he_and_xavier_weights_and_zero_biases()
    {
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions(), seed: 1);
        Assert.Equal(InitScheme.Engine, model.Options.Initialisation);
        var values = model.Parameters.InitialValues();
        Assert.Equal(Init.He, model.Parameters["encoder.0.weight"].Init);
        Assert.Equal(Init.Xavier, model.Parameters["encoder.head.mean.weight"].Init);
        foreach (var p in model.Parameters.Parameters.Where(p => p.Name.EndsWith(".bias", StringComparison.Ordinal)))
            Assert.All(values.AsSpan((int)p.Offset, (int)p.Length).ToArray(), x => Assert.Equal(0f, x));
    }

    [Fact]
    public void The_scheme_is_saved_with_the_options_and_a_reload_keeps_the_values()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ilgpu-ae-init-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string file = Path.Combine(dir, "m.safetensors");
            using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [8], Latent = 2, Initialisation = InitScheme.PyTorch }, seed: 3);
            ModelFile.Save(model, file);
            using var back = (Vae<float>)ModelFile.Load<float>(TestDevice.Cpu, file);
            Assert.Equal(InitScheme.PyTorch, back.Options.Initialisation);
            Assert.Equal(model.Parameters.Download(), back.Parameters.Download());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData(false, 3)]
    [InlineData(true, 4)]
    public void KeepLastBatch_also_trains_the_short_last_batch(bool keep, int stepsPerEpoch)
    {
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 3 * 32 + 10);
        var test = data.Test.Slice(0, 64);
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [16], Latent = 2 }, seed: 1);
        using var adam = new Adam(1e-3);
        using var trainer = new Trainer<float>(model, adam, 32, 1, new TrainerOptions { KeepLastBatch = keep });
        var reports = trainer.Run(train, test, 2);
        Assert.Equal(2 * stepsPerEpoch, trainer.Steps);
        Assert.All(reports, r => Assert.True(double.IsFinite(r.TrainLoss) && r.TrainLoss > 0, $"train loss {r.TrainLoss}"));
    }
}
