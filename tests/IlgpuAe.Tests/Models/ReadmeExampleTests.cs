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

        double[] z = vae.SamplePrior(64, seed: 7);
        float[] images = vae.Decode(z.Select(v => (float)v).ToArray(), 64);
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
