using IlgpuAe.Checkpoints;
using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Training;
using Xunit;
using IlgpuAe.Diagnostics;

namespace IlgpuAe.Tests.Models;

/// <summary>The README's library example, on a small slice, so that the documented API keeps working.</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void The_library_example_trains_evaluates_samples_saves_and_loads()
    {
        var device = TestDevice.Cpu;
        var all = DataSources.Load(null);
        var data = new DataSplit(all.Train.Slice(0, 512), all.Test.Slice(0, 128), all.Source);
        using var vae = new Vae<float>(device, new VaeOptions { Hidden = [64], Latent = 4 }, seed: 1);
        using var adam = new Adam(lr: 1e-3);
        using var trainer = new Trainer<float>(vae, adam, batch: 64, seed: 1);
        var reports = trainer.Run(data.Train, data.Test, epochs: 1);

        Evaluation test = Trainer<float>.Evaluate(vae, data.Test, batch: 64);
        Assert.Equal(test.Loss, test.Terms["reconstruction"] + test.Terms["kl"], 6);
        Assert.Equal(reports[0].TestLoss, test.Loss, 9);
        var iw = VaeDiagnostics.ImportanceWeighted(vae, data.Test.Slice(0, 10), samples: 20, seed: 1);
        Assert.True(iw.Nll <= iw.NegElbo + 1e-6, $"the IW bound {iw.Nll} must not be looser than the ELBO {iw.NegElbo}");

        float[] z = vae.SamplePrior(64, seed: 7);
        float[] images = vae.Decode(z, 64);
        Assert.Equal(64 * 784, images.Length);
        Assert.All(images, p => Assert.InRange(p, 0f, 1f));

        string path = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-readme-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelFile.Save(vae, path);
            using var again = ModelFile.Load<float>(device, path);
            Assert.IsType<Vae<float>>(again);
            Assert.Equal(vae.Parameters.Download(), again.Parameters.Download());
        }
        finally
        {
            File.Delete(path);
        }
    }
}

/// <summary>The README's custom model with a KL warm-up (line for line, on a small slice): saved, reloaded and evaluated.</summary>
public class ReadmeWarmupExampleTests
{
    sealed class WarmupVae(Device d, VaeOptions o, ulong seed = 1) : Vae<float>(d, o, seed)
    {
        public override string Kind => "warmup-vae";                               // saved and loaded as itself
        protected override Schedule KlWeight => Schedule.Linear(0, 1, 2000);       // KL weight 0 -> 1 over 2000 steps
    }

    [Fact]
    public void The_warm_up_example_trains_saves_reloads_and_evaluates_as_itself()
    {
        var device = TestDevice.Cpu;
        var all = DataSources.Load(null);
        var data = new DataSplit(all.Train.Slice(0, 512), all.Test.Slice(0, 128), all.Source);
        string path = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-warmup-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelCatalog.Register<float, VaeOptions>("warmup-vae", (d, o, seed) => new WarmupVae(d, o, seed));
            using var model = new WarmupVae(device, new VaeOptions { Hidden = [64], Latent = 4 });
            using var adam = new Adam(lr: 1e-3);
            using var fit = new Trainer<float>(model, adam, batch: 64, seed: 1);
            var reports = fit.Run(data.Train, data.Test, epochs: 1);
            ModelFile.Save(model, path);
            using var again = ModelFile.Load<WarmupVae>(device, path);
            var test = Trainer<float>.Evaluate(again, data.Test, batch: 64);

            // 8 steps into a 2000-step warm-up the KL weighs 8/2000, and the reloaded model knows its step.
            Assert.Equal(8, again.TrainingStep);
            Assert.Equal(test.Terms["reconstruction"] + 8 / 2000.0 * test.Terms["kl"], test.Loss, 9);
            Assert.Equal(reports[0].TestLoss, test.Loss);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
