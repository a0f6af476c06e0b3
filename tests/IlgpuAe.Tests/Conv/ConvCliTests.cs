using System.Text.Json;
using IlgpuAe.Cli;
using Xunit;
using static IlgpuAe.Tests.Support.CliHarness;

namespace IlgpuAe.Tests.Conv;

/// <summary>`ilgpu-ae train --arch conv` and `eval` as a user meets them.</summary>
public class ConvCliTests
{
    [Theory]
    [InlineData("--arch must be one of mlp, conv", "--model", "vae", "--arch", "resnet")]
    [InlineData("--channels applies only to --arch conv", "--model", "vae", "--channels", "8,16")]
    [InlineData("--kernel applies only to --arch conv", "--model", "ae", "--kernel", "3")]
    [InlineData("--hidden applies only to --arch mlp", "--model", "vae", "--arch", "conv", "--hidden", "400")]
    [InlineData("gives 27x27 back", "--model", "vae", "--arch", "conv", "--kernel", "3")]
    [InlineData("--channels must be a comma-separated list of positive integers", "--model", "ae", "--arch", "conv", "--channels", "8,0")]
    [InlineData("--arch conv is not available for cae", "--model", "cae", "--arch", "conv")]
    [InlineData("--dense applies only to --arch conv", "--model", "cvae", "--dense", "64")]
    [InlineData("--norm applies only to --arch conv", "--model", "vae", "--norm", "batch")]
    [InlineData("--norm must be one of none, batch, group", "--model", "ae", "--arch", "conv", "--norm", "layer")]
    [InlineData("--groups applies only to --norm group", "--model", "ae", "--arch", "conv", "--norm", "batch", "--groups", "4")]
    [InlineData("--groups (3) must divide every channel count of [32,64]", "--model", "ae", "--arch", "conv", "--norm", "group", "--groups", "3")]
    public void Bad_conv_options_are_one_clear_error(string mentions, params string[] args)
    {
        var r = Run(["train", "--quiet", "--epochs", "0", "--out", Path.Combine(Path.GetTempPath(), "ilgpu-ae-bad-conv"), .. args]);
        Assert.NotEqual(0, r.Code);
        var lines = r.Err.Trim().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(mentions, lines[0]);
    }

    [Fact]
    public void A_conv_ae_with_batch_norm_trains_and_evaluates_from_its_model_file()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-conv-norm-{Guid.NewGuid():N}");
        try
        {
            var train = Run(["train", "--model", "ae", "--arch", "conv", "--channels", "4,8", "--dense", "16", "--code", "4", "--norm", "batch",
                "--epochs", "1", "--limit", "128", "--batch", "32", "--out", dir, "--quiet"]);
            Assert.True(train.Code == 0, train.Err);
            var eval = Run("eval", "--model-file", Path.Combine(dir, "model.safetensors"), "--json");
            Assert.True(eval.Code == 0, eval.Err);
            using var json = JsonDocument.Parse(eval.Out);
            Assert.True(double.IsFinite(json.RootElement.GetProperty("test_loss").GetDouble()));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_conv_vae_trains_saves_pictures_and_evaluates_from_its_checkpoint()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-conv-vae-{Guid.NewGuid():N}");
        try
        {
            var train = Run("train", "--model", "vae", "--arch", "conv", "--channels", "4,8", "--dense", "32", "--latent", "4",
                "--epochs", "1", "--limit", "256", "--batch", "64", "--out", dir, "--quiet");
            Assert.True(train.Code == 0, train.Err);
            foreach (var f in new[] { "samples.png", "reconstructions.png", "model.safetensors" })
                Assert.True(File.Exists(Path.Combine(dir, f)), f);
            var eval = Run("eval", "--model-file", Path.Combine(dir, "model.safetensors"), "--iw", "4", "--iw-images", "16",
                "--agg-samples", "32", "--json");
            Assert.True(eval.Code == 0, eval.Err);
            using var json = JsonDocument.Parse(eval.Out);
            var root = json.RootElement;
            Assert.True(root.GetProperty("iw_nll").GetDouble() < root.GetProperty("iw_elbo").GetDouble());
            Assert.True(double.IsFinite(root.GetProperty("test_loss").GetDouble()));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}
