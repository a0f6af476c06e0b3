using IlgpuAe.Checkpoints;
using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Tests.Support;
using IlgpuAe.Training;
using Xunit;
using IlgpuAe.Diagnostics;

namespace IlgpuAe.Tests.Vae;

public class CvaeModelTests
{
    static Batch RandomBatch(int rows, int features, int seed, int classes)
    {
        var rng = new Random(seed);
        return new Batch(Enumerable.Range(0, rows * features).Select(_ => (float)rng.NextDouble()).ToArray(),
            Enumerable.Range(0, rows).Select(_ => (byte)rng.Next(classes)).ToArray(), rows);
    }

    [Theory]
    [InlineData(Condition.Label, ConditionalPrior.Learned)]
    [InlineData(Condition.Masked, ConditionalPrior.Learned)]
    [InlineData(Condition.Masked, ConditionalPrior.Fixed)]
    [InlineData(Condition.Label, ConditionalPrior.None)]
    public void Whole_loss_gradient_matches_finite_differences_with_eps_fixed(Condition condition, ConditionalPrior prior)
    {
        using var model = new Cvae<double>(TestDevice.Cpu, new CvaeOptions
        {
            Features = 12, Width = 4, Height = 3, Classes = 3, Block = 2, Hidden = [5], Latent = 2,
            Condition = condition, Prior = prior, Beta = 0.8, Activation = IlgpuAe.Activation.Tanh,
        }, seed: 6);
        var batch = RandomBatch(4, 12, 3, 3);
        GradAssert.WholeModel(model, batch, step: 5);
        GradAssert.EveryParameterTakesPart(model);
    }

    [Theory]
    [InlineData(Condition.Label, ConditionalPrior.Learned)]
    [InlineData(Condition.Masked, ConditionalPrior.None)]
    public void One_epoch_on_a_small_slice_cuts_the_loss_by_at_least_30_percent(Condition condition, ConditionalPrior prior)
    {
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 2048);
        var test = data.Test.Slice(0, 256);
        using var model = new Cvae<float>(TestDevice.Cpu, new CvaeOptions { Hidden = [64], Latent = 4, Condition = condition, Prior = prior }, seed: 1);
        using var adam = new Adam(2e-3);
        double before = Trainer<float>.Evaluate(model, test, 128).Loss;
        var report = new Trainer<float>(model, adam, 32, seed: 1).Run(train, test, epochs: 1).Single();
        Assert.True(report.TestLoss <= 0.7 * before, $"loss went from {before:F1} to {report.TestLoss:F1} per image");
        Assert.Equal(prior != ConditionalPrior.None, report.Terms.ContainsKey("kl"));
    }

    [Fact]
    public void Masked_conditions_hide_one_block_and_repeat_for_the_same_step()
    {
        using var model = new Cvae<float>(TestDevice.Cpu, new CvaeOptions { Hidden = [8], Latent = 2, Condition = Condition.Masked, Block = 10 });
        var batch = RandomBatch(3, 784, 1, 10);
        var c = model.Conditions(batch, 7, out var observed);
        for (int r = 0; r < 3; r++)
            Assert.Equal(100, observed.Skip(r * 784).Take(784).Count(o => o == 0));
        Assert.All(Enumerable.Range(0, c.Length), i => Assert.Equal(observed[i] == 0 ? 0 : batch.Images[i], c[i]));
        Assert.Equal(c, model.Conditions(batch, 7, out _));
        Assert.NotEqual(c, model.Conditions(batch, 8, out _));
    }

    [Fact]
    public void Hidden_block_estimate_and_checkpoint_round_trip()
    {
        var data = FashionMnist.LoadEmbedded();
        using var model = new Cvae<float>(TestDevice.Cpu, new CvaeOptions { Hidden = [32], Latent = 3, Condition = Condition.Masked }, seed: 2);
        using var adam = new Adam(2e-3);
        new Trainer<float>(model, adam, 64, seed: 2).Run(data.Train.Slice(0, 512), data.Test.Slice(0, 64), epochs: 1);
        var test = data.Test.Slice(0, 20);
        var hidden = VaeDiagnostics.HiddenBlockNll(model, test, 32, seed: 2);
        var whole = VaeDiagnostics.ImportanceWeighted(model, test, 32, seed: 2);
        Assert.True(hidden.Nll > 0 && hidden.Nll < whole.Nll, $"the hidden block ({hidden.Nll:F1}) is part of the image ({whole.Nll:F1})");
        Assert.True(hidden.Nll <= hidden.NegElbo);
        string path = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelFile.Save(model, path);
            using var loaded = ModelFile.Load<float>(TestDevice.Cpu, path);
            Assert.IsType<Cvae<float>>(loaded);
            Assert.Equal(Trainer<float>.Evaluate(model, test, 20).Loss, Trainer<float>.Evaluate(loaded, test, 20).Loss);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Masked_condition_on_non_image_data_is_one_clear_error()
    {
        var e = Assert.Throws<IlgpuAeException>(() => new Cvae<float>(TestDevice.Cpu,
            new CvaeOptions { Features = 784, Width = 784, Height = 1, Condition = Condition.Masked, Hidden = [4], Latent = 2 }));
        Assert.Contains("CvaeOptions.Condition Masked needs image data", e.Message);
    }
}
