using IlgpuAe.Checkpoints;
using IlgpuAe.Cli;
using IlgpuAe.Kernels;
using IlgpuAe.Models;
using Xunit;
using static IlgpuAe.Tests.Support.CliHarness;

namespace IlgpuAe.Tests.Regularized;

/// <summary>The regularised models on the command line: bad options are one clear error naming the option; runs leave their pictures.</summary>
public class RegularizedCliTests
{
    internal static string TempDir() => Path.Combine(Path.GetTempPath(), $"ilgpu-ae-reg-{Guid.NewGuid():N}");

    [Theory]
    [InlineData("--sigma", "0", "--sigma must be greater than 0")]
    [InlineData("--sigma", "-0.5", "--sigma must be greater than 0")]
    public void Dae_refuses_a_sigma_that_is_not_positive(string option, string value, string mentions) =>
        OneClearError(Run("train", "--model", "dae", "--noise", "gaussian", option, value), mentions);

    [Theory]
    [InlineData("mask", "1.5")]
    [InlineData("saltpepper", "-0.1")]
    public void Dae_refuses_a_probability_outside_0_1(string noise, string p) =>
        OneClearError(Run("train", "--model", "dae", "--noise", noise, "--p", p), "--p must be at least 0 and at most 1");

    [Fact]
    public void Dae_refuses_a_level_option_of_the_other_noise() =>
        OneClearError(Run("train", "--model", "dae", "--noise", "mask", "--sigma", "0.3"), "--sigma applies to --noise gaussian");

    [Fact]
    public void Dae_refuses_an_unknown_noise() =>
        OneClearError(Run("train", "--model", "dae", "--noise", "pink"), "--noise must be one of gaussian, mask, saltpepper");

    [Theory]
    [InlineData("--lambda", "-1", "--lambda must be at least 0")]
    [InlineData("--rho", "0", "--rho must be greater than 0")]
    [InlineData("--rho", "1", "--rho must be less than 1")]
    public void Sparse_refuses_a_negative_lambda_and_a_rho_outside_0_1(string option, string value, string mentions) =>
        OneClearError(Run("train", "--model", "sparse", "--sparsity", "kl", option, value), mentions);

    [Fact]
    public void Sparse_kl_refuses_codes_that_are_not_sigmoid() =>
        OneClearError(Run("train", "--model", "sparse", "--sparsity", "kl", "--code-activation", "relu"), "needs --code-activation sigmoid");

    [Theory]
    [InlineData("--lambda", "-0.5", "--lambda must be at least 0")]
    [InlineData("--probes", "0", "--probes must be between 1")]
    public void Cae_refuses_a_negative_lambda_and_no_probes(string option, string value, string mentions) =>
        OneClearError(Run("train", "--model", "cae", "--jacobian", "hutchinson", option, value), mentions);

    [Fact]
    public void Dae_trains_from_the_command_line_and_draws_corrupted_reconstructed_and_clean_rows()
    {
        string dir = TempDir();
        try
        {
            var r = Run("train", "--model", "dae", "--noise", "saltpepper", "--p", "0.2", "--epochs", "1", "--batch", "64",
                "--limit", "256", "--hidden", "32", "--code", "8", "--backend", "cpu", "--quiet", "--out", dir);
            Assert.True(r.Code == 0, r.Err);
            using var png = SkiaSharp.SKBitmap.Decode(Path.Combine(dir, "reconstructions.png"));
            // 16 test images, 8 per band, 3 rows per band of 28·2-pixel tiles and 1-pixel gaps.
            Assert.Equal(6 * (56 + 1) + 1, png.Height);
            var e = Run("eval", "--model-file", Path.Combine(dir, "model.safetensors"), "--backend", "cpu");
            Assert.True(e.Code == 0, e.Err);
            Assert.Contains("dae on", e.Out);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Eval_reports_the_jacobian_spectrum_of_a_cae_and_draws_it()
    {
        string dir = TempDir();
        Directory.CreateDirectory(dir);
        try
        {
            // An untrained checkpoint is enough to read a spectrum from, and saves a training process.
            var options = new ContractiveOptions
            {
                Autoencoder = new AutoencoderOptions { Hidden = [16], Code = 6, CodeActivation = Activation.Sigmoid },
                Jacobian = JacobianMethod.Hutchinson,
            };
            using (var model = new ContractiveAutoencoder<float>(TestDevice.Cpu, options))
                ModelFile.Save(model, Path.Combine(dir, "model.safetensors"));
            var e = Run("eval", "--model-file", Path.Combine(dir, "model.safetensors"), "--jacobian-spectrum", "10",
                "--backend", "cpu", "--out", dir, "--json");
            Assert.True(e.Code == 0, e.Err);
            var json = System.Text.Json.JsonDocument.Parse(e.Out).RootElement;
            var spectrum = json.GetProperty("jacobian_spectrum").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(6, spectrum.Length);
            Assert.Equal(spectrum.OrderDescending(), spectrum);
            Assert.True(spectrum[^1] > 0);
            Assert.True(File.Exists(Path.Combine(dir, "spectrum.png")));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
