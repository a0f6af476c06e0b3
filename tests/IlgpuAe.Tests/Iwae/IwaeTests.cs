using System.Text.Json;
using IlgpuAe.Checkpoints;
using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Tests.Support;
using IlgpuAe.Training;
using Xunit;
using static IlgpuAe.Tests.Support.CliHarness;
using static IlgpuAe.Tests.Support.TestBatches;

namespace IlgpuAe.Tests.Iwae;

/// <summary>The importance-weighted autoencoder (`--model iwae`): its bound's gradient, training, files, options and command line.</summary>
public sealed class IwaeTests
{
    [Theory]
    [InlineData(Decoder.Bernoulli, null, 3, 1)]
    [InlineData(Decoder.Gaussian, null, 2, 1)]
    [InlineData(Decoder.Gaussian, -0.5, 1, 1)]
    [InlineData(Decoder.Bernoulli, null, 2, 2)] // MIWAE: M groups of K
    [InlineData(Decoder.Gaussian, null, 3, 2)]
    [InlineData(Decoder.Bernoulli, null, 1, 3)]
    public void The_whole_bound_gradient_matches_finite_differences_with_eps_fixed(Decoder decoder, double? logVar, int samples, int groups)
    {
        using var model = new Iwae<double>(TestDevice.Cpu, new IwaeOptions
        {
            Samples = samples,
            Groups = groups,
            Vae = new VaeOptions { Features = 8, Hidden = [5], Latent = 2, Decoder = decoder, DecoderLogVar = logVar, Activation = IlgpuAe.Activation.Tanh },
        }, seed: 3);
        GradAssert.WholeModel(model, RandomBatch(4, 8, 11), step: 6);
        GradAssert.EveryParameterTakesPart(model);
    }

    [Fact]
    public void On_the_same_four_draws_per_image_miwae_2x2_lies_between_the_four_sample_elbo_and_the_iwae_4_bound()
    {
        // Same seed, same parameter shapes and a noise op of the same shape: the three models weigh identical draws, so Jensen's
        // inequality orders their bounds exactly: mean_s(−log w_s) ≥ mean_m(−log mean_k w) ≥ −log mean_s w_s.
        var test = FashionMnist.LoadEmbedded().Test.Slice(0, 64);
        double Bound(int samples, int groups)
        {
            using var model = new Iwae<double>(TestDevice.Cpu, new IwaeOptions { Samples = samples, Groups = groups, Vae = new VaeOptions { Hidden = [16], Latent = 3 } }, seed: 4);
            return Trainer<double>.Evaluate(model, test, 32).Loss;
        }
        double elbo4 = Bound(1, 4), miwae = Bound(2, 2), iwae4 = Bound(4, 1);
        Assert.True(elbo4 > miwae + 1e-6 && miwae > iwae4 + 1e-6, $"ELBO over 4 draws {elbo4:F4}, MIWAE(2, 2) {miwae:F4}, IWAE(4) {iwae4:F4}");
    }

    [Fact]
    public void Miwae_trains_one_epoch_on_a_small_slice_and_cuts_its_bound_by_at_least_30_percent()
    {
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 1024);
        var test = data.Test.Slice(0, 128);
        using var model = new Iwae<float>(TestDevice.Cpu, new IwaeOptions { Samples = 2, Groups = 2, Vae = new VaeOptions { Hidden = [32], Latent = 4 } }, seed: 1);
        using var adam = new Adam(2e-3);
        double before = Trainer<float>.Evaluate(model, test, 64).Loss;
        var report = new Trainer<float>(model, adam, 32, seed: 1).Run(train, test, epochs: 1).Single();
        Assert.True(report.TestLoss <= 0.7 * before, $"the MIWAE(2, 2) bound went from {before:F1} to {report.TestLoss:F1} per image");
        Assert.Equal(["iw_bound"], report.Terms.Keys);
    }

    [Fact]
    public void One_epoch_on_a_small_slice_cuts_the_bound_by_at_least_30_percent_and_k_samples_bound_below_the_elbo()
    {
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 2048);
        var test = data.Test.Slice(0, 256);
        using var model = new Iwae<float>(TestDevice.Cpu, new IwaeOptions { Samples = 4, Vae = new VaeOptions { Hidden = [64], Latent = 4 } }, seed: 1);
        using var adam = new Adam(2e-3);
        double before = Trainer<float>.Evaluate(model, test, 128).Loss;
        var report = new Trainer<float>(model, adam, 32, seed: 1).Run(train, test, epochs: 1).Single();
        Assert.True(report.TestLoss <= 0.7 * before, $"the bound went from {before:F1} to {report.TestLoss:F1} per image");
        Assert.Equal(["iw_bound"], report.Terms.Keys);
        // The importance-weighted estimate is the tighter bound on the same draws: −log p̂(x) ≤ −ELBO.
        var iw = IlgpuAe.Diagnostics.VaeDiagnostics.ImportanceWeighted(model, test.Slice(0, 32), 16, seed: 1);
        Assert.True(iw.Nll < iw.NegElbo, $"IW {iw.Nll:F2} against ELBO {iw.NegElbo:F2}");
    }

    [Fact]
    public void A_saved_iwae_loads_back_as_one_with_the_same_test_loss()
    {
        var test = FashionMnist.LoadEmbedded().Test.Slice(0, 100);
        using var model = new Iwae<float>(TestDevice.Cpu, new IwaeOptions { Samples = 3, Groups = 2, Vae = new VaeOptions { Hidden = [16], Latent = 3 } }, seed: 5);
        string path = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelFile.Save(model, path);
            using var loaded = ModelFile.Load<float>(TestDevice.Cpu, path);
            Assert.Equal((3, 2), (Assert.IsType<Iwae<float>>(loaded).Samples, ((Iwae<float>)loaded).Groups));
            Assert.Equal(model.ConfigJson(), loaded.ConfigJson());
            Assert.Equal(Trainer<float>.Evaluate(model, test, 50).Loss, Trainer<float>.Evaluate(loaded, test, 50).Loss);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_convolutional_iwae_trains_one_step_and_evaluates()
    {
        var data = FashionMnist.LoadEmbedded();
        using var model = new Iwae<float>(TestDevice.Cpu, new IwaeOptions
        {
            Samples = 2,
            Vae = new VaeOptions { Latent = 3, Conv = new ConvOptions { Channels = [4], Kernel = 4, Dense = 16, ImageChannels = 1, Height = 28, Width = 28 } },
        }, seed: 2);
        using var adam = new Adam(1e-3);
        var report = new Trainer<float>(model, adam, 16, seed: 1).Run(data.Train.Slice(0, 32), data.Test.Slice(0, 16), epochs: 1).Single();
        Assert.True(double.IsFinite(report.TestLoss) && report.TestLoss > 0, $"test bound {report.TestLoss}");
    }

    [Theory]
    [InlineData(2, 0, "IwaeOptions.Groups must be at least 1, got 0")]
    [InlineData(1 << 17, 1, "IwaeOptions.Samples must be at most 65536, got 131072")]
    [InlineData(5, 20000, "IwaeOptions.Groups must be at most 13107 with 5 samples each (at most 65536 decoder rows per image), got 20000")]
    public void Groups_and_samples_outside_their_range_are_one_error_naming_the_property(int samples, int groups, string message)
    {
        var e = Assert.Throws<IlgpuAeException>(() => new Iwae<float>(TestDevice.Cpu, new IwaeOptions
        {
            Samples = samples,
            Groups = groups,
            Vae = new VaeOptions { Hidden = [8], Latent = 2 },
        }));
        Assert.Equal(message, e.Message);
        Assert.Equal(message.Split(' ')[0], e.Option);
    }

    [Theory]
    [InlineData(0, Posterior.Diag, Prior.Normal, 1.0, "IwaeOptions.Samples must be at least 1, got 0")]
    [InlineData(2, Posterior.Full, Prior.Normal, 1.0, "VaeOptions.Posterior must be diag")]
    [InlineData(2, Posterior.Diag, Prior.Gmm, 1.0, "VaeOptions.Prior must be normal")]
    [InlineData(2, Posterior.Diag, Prior.Normal, 0.5, "VaeOptions.Beta must be 1")]
    public void Options_it_cannot_use_are_one_error_naming_the_property(int samples, Posterior posterior, Prior prior, double beta, string message)
    {
        var e = Assert.Throws<IlgpuAeException>(() => new Iwae<float>(TestDevice.Cpu, new IwaeOptions
        {
            Samples = samples,
            Vae = new VaeOptions { Hidden = [8], Latent = 2, Posterior = posterior, Prior = prior, Beta = beta },
        }));
        Assert.StartsWith(message, e.Message);
        Assert.Equal(message.Split(' ')[0], e.Option);
    }

    [Theory]
    [InlineData("--samples must be at least 1, got 0", "--samples", "0")]
    [InlineData("--iw-groups must be at least 1, got 0", "--iw-groups", "0")]
    [InlineData("--iw-groups must be at most 16 with 4096 samples each (at most 65536 decoder rows per image), got 17", "--samples", "4096", "--iw-groups", "17")]
    [InlineData("--decoder-logvar applies only to --decoder gaussian", "--decoder-logvar", "0")]
    [InlineData("unknown option --posterior", "--posterior", "full")]
    public void Bad_options_on_the_command_line_are_one_clear_error(string mentions, params string[] args)
    {
        OneClearError(Run(["train", "--model", "iwae", "--quiet", "--epochs", "0", "--out", Path.Combine(Path.GetTempPath(), "ilgpu-ae-bad-iwae"), .. args]), mentions);
    }

    [Fact]
    public void Train_then_eval_reports_the_bound_and_the_importance_weighted_likelihood()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-iwae-{Guid.NewGuid():N}");
        try
        {
            var train = Run("train", "--model", "iwae", "--samples", "3", "--hidden", "32", "--latent", "2", "--epochs", "1", "--limit", "512",
                "--batch", "64", "--out", dir, "--quiet");
            Assert.True(train.Code == 0, train.Err);
            foreach (var f in new[] { "samples.png", "reconstructions.png", "latent.png", "model.safetensors" })
                Assert.True(File.Exists(Path.Combine(dir, f)), f);
            var eval = Run("eval", "--model-file", Path.Combine(dir, "model.safetensors"), "--iw", "8", "--iw-images", "20", "--agg-samples", "50", "--json");
            Assert.True(eval.Code == 0, eval.Err);
            using var json = JsonDocument.Parse(eval.Out);
            var root = json.RootElement;
            Assert.Equal("iwae", root.GetProperty("model").GetString());
            Assert.Equal(root.GetProperty("test_loss").GetDouble(), root.GetProperty("terms").GetProperty("iw_bound").GetDouble(), 9);
            Assert.True(root.GetProperty("iw_nll").GetDouble() < root.GetProperty("iw_elbo").GetDouble());
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}
