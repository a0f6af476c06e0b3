using System.Text.Json;
using IlgpuAe.Cli;
using Xunit;
using static IlgpuAe.Tests.Support.CliHarness;

namespace IlgpuAe.Tests.Vae;

/// <summary>`ilgpu-ae train --model vae|cvae` and `eval` as a user meets them.</summary>
public class VaeCliTests
{
    [Theory]
    [InlineData("--posterior full needs --latent", "--model", "vae", "--posterior", "full", "--latent", "0")]
    [InlineData("--components must be at least 1", "--model", "vae", "--prior", "gmm", "--components", "0")]
    [InlineData("--posterior must be one of diag, full", "--model", "vae", "--posterior", "banded")]
    [InlineData("--prior must be one of normal, gmm, vamp", "--model", "vae", "--prior", "flow")]
    [InlineData("--condition must be one of label, masked", "--model", "cvae", "--condition", "text")]
    [InlineData("--cprior must be one of learned, fixed, none", "--model", "cvae", "--cprior", "flow")]
    [InlineData("--block applies only to --condition masked", "--model", "cvae", "--block", "5")]
    [InlineData("unknown option --condition", "--model", "vae", "--condition", "label")]
    [InlineData("--output-bias must be one of mean, init", "--model", "vae", "--output-bias", "zero")]
    [InlineData("--init must be one of pytorch, engine", "--model", "vae", "--init", "xavier")]
    [InlineData("--eps applies to adam and adamw, not sgd", "--model", "vae", "--optimizer", "sgd", "--eps", "1e-6")]
    public void Bad_options_are_one_clear_error(string mentions, params string[] args) =>
        OneClearError(Run(["train", "--quiet", "--epochs", "0", "--out", Path.Combine(Path.GetTempPath(), "ilgpu-ae-bad"), .. args]), mentions);

    [Theory]
    [InlineData("normal")]
    [InlineData("gmm")]
    public void Train_then_eval_reports_the_elbo_terms_and_diagnostics(string prior)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-vae-{Guid.NewGuid():N}");
        try
        {
            var train = Run("train", "--model", "vae", "--hidden", "32", "--latent", "2", "--epochs", "1", "--limit", "512",
                "--batch", "64", "--prior", prior, "--out", dir, "--quiet");
            Assert.True(train.Code == 0, train.Err);
            foreach (var f in new[] { "samples.png", "reconstructions.png", "latent.png", "model.safetensors" })
                Assert.True(File.Exists(Path.Combine(dir, f)), f);
            var eval = Run("eval", "--model-file", Path.Combine(dir, "model.safetensors"), "--iw", "8", "--iw-images", "20",
                "--agg-samples", "50", "--json");
            Assert.True(eval.Code == 0, eval.Err);
            using var json = JsonDocument.Parse(eval.Out);
            var root = json.RootElement;
            double loss = root.GetProperty("test_loss").GetDouble();
            Assert.Equal(loss, root.GetProperty("terms").GetProperty("reconstruction").GetDouble() + root.GetProperty("terms").GetProperty("kl").GetDouble(), 3);
            Assert.True(root.GetProperty("iw_nll").GetDouble() < root.GetProperty("iw_elbo").GetDouble());
            // A mixture prior has no closed-form KL to report beside the Monte-Carlo one.
            Assert.Equal(prior == "normal", root.TryGetProperty("kl_mean_closed_form", out _));
            Assert.Equal(root.GetProperty("kl_mean").GetDouble(),
                root.GetProperty("kl_mutual_information").GetDouble() + root.GetProperty("kl_marginal").GetDouble(), 9);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}
