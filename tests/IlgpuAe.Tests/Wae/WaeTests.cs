using IlgpuAe.Checkpoints;
using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Ops;
using IlgpuAe.Optim;
using IlgpuAe.Tests.Support;
using IlgpuAe.Training;
using Xunit;
using static IlgpuAe.Tests.Support.CliHarness;
using static IlgpuAe.Tests.Support.TestBatches;

namespace IlgpuAe.Tests.Wae;

/// <summary>The Wasserstein autoencoder (`--model wae`): its objective's gradient, training, files, options and command line.</summary>
public sealed class WaeTests
{
    [Theory]
    [InlineData(MmdKernel.Imq, Reconstruction.Bce)]
    [InlineData(MmdKernel.Rbf, Reconstruction.Mse)]
    public void The_whole_objective_gradient_matches_finite_differences_with_the_prior_draws_fixed(MmdKernel kernel, Reconstruction loss)
    {
        using var model = new Wae<double>(TestDevice.Cpu, new WaeOptions
        {
            Autoencoder = new AutoencoderOptions { Features = 8, Hidden = [5], Code = 3, Activation = IlgpuAe.Activation.Tanh, Loss = loss },
            Kernel = kernel, Lambda = 7,
        }, seed: 2);
        GradAssert.WholeModel(model, RandomBatch(5, 8, 13), step: 4);
        GradAssert.EveryParameterTakesPart(model);
    }

    [Fact]
    public void One_epoch_on_a_small_slice_cuts_the_loss_by_at_least_30_percent()
    {
        var data = FashionMnist.LoadEmbedded();
        using var model = new Wae<float>(TestDevice.Cpu, new WaeOptions { Autoencoder = new AutoencoderOptions { Hidden = [64], Code = 4 } }, seed: 1);
        using var adam = new Adam(2e-3);
        var test = data.Test.Slice(0, 256);
        double before = Trainer<float>.Evaluate(model, test, 128).Loss;
        var report = new Trainer<float>(model, adam, 32, seed: 1).Run(data.Train.Slice(0, 2048), test, epochs: 1).Single();
        Assert.True(report.TestLoss <= 0.7 * before, $"the loss went from {before:F1} to {report.TestLoss:F1} per image");
        Assert.Equal(report.TestLoss, report.Terms["reconstruction"] + 10 * report.Terms["mmd"], 3);
    }

    [Fact]
    public void A_saved_wae_loads_back_as_one_with_the_same_test_loss()
    {
        var test = FashionMnist.LoadEmbedded().Test.Slice(0, 100);
        using var model = new Wae<float>(TestDevice.Cpu, new WaeOptions { Autoencoder = new AutoencoderOptions { Hidden = [16], Code = 3 }, Kernel = MmdKernel.Rbf, Lambda = 3 }, seed: 5);
        string path = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelFile.Save(model, path);
            using var loaded = ModelFile.Load<float>(TestDevice.Cpu, path);
            Assert.Equal(MmdKernel.Rbf, Assert.IsType<Wae<float>>(loaded).Wasserstein.Kernel);
            Assert.Equal(Trainer<float>.Evaluate(model, test, 50).Loss, Trainer<float>.Evaluate(loaded, test, 50).Loss);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_convolutional_wae_trains_and_evaluates()
    {
        var data = FashionMnist.LoadEmbedded();
        using var model = new Wae<float>(TestDevice.Cpu, new WaeOptions
        {
            Autoencoder = new AutoencoderOptions { Code = 3, Conv = new ConvOptions { Channels = [4], Kernel = 4, Dense = 16 } },
        }, seed: 2);
        using var adam = new Adam(1e-3);
        var report = new Trainer<float>(model, adam, 16, seed: 1).Run(data.Train.Slice(0, 32), data.Test.Slice(0, 16), epochs: 1).Single();
        Assert.True(double.IsFinite(report.Terms["mmd"]), $"mmd {report.Terms["mmd"]}");
    }

    [Fact]
    public void Options_it_cannot_use_are_one_error_naming_the_property()
    {
        Assert.Equal("WaeOptions.Lambda", Assert.Throws<IlgpuAeException>(() => new Wae<float>(TestDevice.Cpu, new WaeOptions { Lambda = -1 })).Option);
        Assert.Equal("WaeOptions.Scale", Assert.Throws<IlgpuAeException>(() => new Wae<float>(TestDevice.Cpu, new WaeOptions { Scale = 0 })).Option);
    }

    [Theory]
    [InlineData("--mmd-kernel must be one of imq, rbf", "--mmd-kernel", "laplace")]
    [InlineData("--lambda", "--lambda", "-1")]
    [InlineData("unknown option --samples", "--samples", "3")]
    public void Bad_options_on_the_command_line_are_one_clear_error(string mentions, params string[] args)
    {
        OneClearError(Run(["train", "--model", "wae", "--quiet", "--epochs", "0", "--out", Path.Combine(Path.GetTempPath(), "ilgpu-ae-bad-wae"), .. args]), mentions);
    }
}
