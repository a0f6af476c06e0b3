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

namespace IlgpuAe.Tests.TcVae;

/// <summary>The β-TCVAE (`--model vae --tc-beta B`): gradient, training, files, options and command line.</summary>
public sealed class TcVaeTests
{
    [Fact]
    public void The_whole_objective_gradient_matches_finite_differences_with_eps_fixed()
    {
        using var model = new Vae<double>(TestDevice.Cpu, new VaeOptions
        {
            Features = 8, Hidden = [5], Latent = 3, Activation = IlgpuAe.Activation.Tanh, TcBeta = 4, TcDataSize = 100,
        }, seed: 6);
        GradAssert.WholeModel(model, RandomBatch(5, 8, 17), step: 3);
        GradAssert.EveryParameterTakesPart(model);
    }

    [Fact]
    public void One_epoch_on_a_small_slice_cuts_the_loss_and_reports_the_three_parts()
    {
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 2048);
        var test = data.Test.Slice(0, 256);
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [64], Latent = 4, TcBeta = 3, TcDataSize = train.Count }, seed: 1);
        using var adam = new Adam(2e-3);
        double before = Trainer<float>.Evaluate(model, test, 128).Loss;
        var report = new Trainer<float>(model, adam, 32, seed: 1).Run(train, test, epochs: 1).Single();
        Assert.True(report.TestLoss <= 0.7 * before, $"the loss went from {before:F1} to {report.TestLoss:F1} per image");
        Assert.Equal(["reconstruction", "mi", "tc", "dwkl"], report.Terms.Keys);
        Assert.Equal(report.TestLoss, report.Terms["reconstruction"] + report.Terms["mi"] + 3 * report.Terms["tc"] + report.Terms["dwkl"], 3);
    }

    [Fact]
    public void A_saved_tcvae_loads_back_with_its_parts()
    {
        var test = FashionMnist.LoadEmbedded().Test.Slice(0, 100);
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [16], Latent = 3, TcBeta = 5, TcDataSize = 600 }, seed: 5);
        string path = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelFile.Save(model, path);
            using var loaded = ModelFile.Load<float>(TestDevice.Cpu, path);
            Assert.Equal(5, Assert.IsType<Vae<float>>(loaded).Options.TcBeta);
            Assert.Equal(Trainer<float>.Evaluate(model, test, 50).Terms, Trainer<float>.Evaluate(loaded, test, 50).Terms);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_plain_vae_configuration_is_unchanged_by_the_new_options()
    {
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [8], Latent = 2 });
        Assert.DoesNotContain("tc_", model.ConfigJson());
        Assert.Null(model.NotRowSeparable);
    }

    [Theory]
    [InlineData(-1.0, 10, Posterior.Diag, Prior.Normal, 1.0, "VaeOptions.TcBeta must be a finite number")]
    [InlineData(2.0, 10, Posterior.Full, Prior.Normal, 1.0, "VaeOptions.TcBeta needs the diagonal posterior")]
    [InlineData(2.0, 10, Posterior.Diag, Prior.Gmm, 1.0, "VaeOptions.TcBeta needs the N(0, I) prior")]
    [InlineData(2.0, 10, Posterior.Diag, Prior.Normal, 0.5, "VaeOptions.TcBeta replaces the KL's weight")]
    [InlineData(2.0, 0, Posterior.Diag, Prior.Normal, 1.0, "VaeOptions.TcDataSize must be the training set's size")]
    public void Options_it_cannot_use_are_one_error_naming_the_property(double tcBeta, int dataSize, Posterior posterior, Prior prior, double beta, string message)
    {
        var e = Assert.Throws<IlgpuAeException>(() => new Vae<float>(TestDevice.Cpu, new VaeOptions
        {
            Hidden = [8], Latent = 2, TcBeta = tcBeta, TcDataSize = dataSize, Posterior = posterior, Prior = prior, Beta = beta,
        }));
        Assert.StartsWith(message, e.Message);
    }

    [Theory]
    [InlineData("it is an option of --model vae, not of --model ae", "--model", "ae", "--tc-beta", "6")]
    [InlineData("it is an option of --model vae, not of --model iwae", "--model", "iwae", "--tc-beta", "6")]
    [InlineData("--tc-beta needs the N(0, I) prior (--prior normal)", "--model", "vae", "--tc-beta", "6", "--prior", "gmm")]
    [InlineData("--tc-beta replaces the KL's weight", "--model", "vae", "--tc-beta", "6", "--beta", "2")]
    public void Bad_options_on_the_command_line_are_one_clear_error(string mentions, params string[] args)
    {
        OneClearError(Run(["train", "--quiet", "--epochs", "0", "--out", Path.Combine(Path.GetTempPath(), "ilgpu-ae-bad-tc"), .. args]), mentions);
    }

    [Fact]
    public void Eval_reports_the_three_parts_beside_the_kl_decomposition()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-tc-{Guid.NewGuid():N}");
        try
        {
            var train = Run("train", "--model", "vae", "--tc-beta", "4", "--hidden", "32", "--latent", "2", "--epochs", "1", "--limit", "512",
                "--batch", "64", "--out", dir, "--quiet");
            Assert.True(train.Code == 0, train.Err);
            var eval = Run("eval", "--model-file", Path.Combine(dir, "model.safetensors"), "--iw", "4", "--iw-images", "10", "--agg-samples", "50", "--json");
            Assert.True(eval.Code == 0, eval.Err);
            using var json = JsonDocument.Parse(eval.Out);
            var root = json.RootElement;
            var terms = root.GetProperty("terms");
            foreach (var part in new[] { "mi", "tc", "dwkl" }) Assert.True(double.IsFinite(terms.GetProperty(part).GetDouble()), part);
            Assert.True(root.TryGetProperty("kl_mutual_information", out _) && root.TryGetProperty("kl_marginal", out _));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}
