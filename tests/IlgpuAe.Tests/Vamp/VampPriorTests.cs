using System.Text.Json;
using IlgpuAe.Checkpoints;
using IlgpuAe.Data;
using IlgpuAe.Diagnostics;
using IlgpuAe.Kernels;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Tests.Support;
using IlgpuAe.Training;
using Xunit;
using static IlgpuAe.Tests.Support.CliHarness;
using static IlgpuAe.Tests.Support.TestBatches;

namespace IlgpuAe.Tests.Vamp;

/// <summary>The VampPrior (`--model vae --prior vamp --pseudo-inputs K`): p(z) = (1/K) Σ_k q(z|u_k) at learned pseudo-inputs.</summary>
public sealed class VampPriorTests
{
    static VaeOptions Small(int features = 8, int k = 3) => new()
    {
        Features = features, Hidden = [5], Latent = 2, Activation = IlgpuAe.Activation.Tanh, Prior = Prior.Vamp, PseudoInputs = k,
    };

    static void Randomise(Model<double> model, int seed)
    {
        var rng = new Random(seed);
        var values = model.Parameters.Download().Select(_ => rng.NextDouble() - 0.5).ToArray();
        if (model is Vae<double> { Vamp: { } vamp })
            for (long i = 0; i < vamp.PseudoInputs.Length; i++) values[vamp.PseudoInputs.Offset + i] = rng.NextDouble(); // images in [0, 1]
        model.Parameters.Upload(values);
    }

    [Fact]
    public void The_whole_negative_elbo_gradient_reaches_the_pseudo_inputs_and_matches_finite_differences()
    {
        using var model = new Vae<double>(TestDevice.Cpu, Small(), seed: 4);
        Randomise(model, 2);
        GradAssert.WholeModel(model, RandomBatch(5, 8, 12), step: 9);
        GradAssert.EveryParameterTakesPart(model);
        Assert.Contains(model.Parameters.Parameters, p => p.Name == "prior.pseudo_inputs" && p.Rows == 3 && p.Cols == 8);
    }

    [Fact]
    public void The_host_log_prior_is_the_equal_weight_mixture_of_the_encoders_posteriors_at_the_pseudo_inputs()
    {
        using var model = new Vae<double>(TestDevice.Cpu, Small(k: 4), seed: 8);
        Randomise(model, 3);
        var (means, logVars) = model.VampComponents();
        Assert.Equal(4 * 2, means.Length);
        // The components are the posteriors of the pseudo-inputs fed as ordinary images.
        var all = model.Parameters.Download();
        var u = all.AsSpan((int)model.Vamp!.PseudoInputs.Offset, 4 * 8).ToArray().Select(v => (float)v).ToArray();
        var (mu, lv) = VaeDiagnostics.Posteriors(model, new Dataset("u", u, new byte[4], 8, 1), 4, 2, 2);
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(mu[i], means[i], 6); // the images went through float
            Assert.Equal(lv[i], logVars[i], 6);
        }
        var rng = new Random(5);
        var z = Enumerable.Range(0, 6 * 2).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
        var expected = MixtureReference.NegLogDensity(z, means, logVars, new double[4], 2);
        var actual = model.LogPrior(z, 6);
        for (int r = 0; r < 6; r++) Assert.Equal(-expected[r], actual[r], 10);
    }

    [Fact]
    public void Pseudo_inputs_start_at_the_first_training_images_plus_a_small_jitter()
    {
        var train = FashionMnist.LoadEmbedded().Train.Slice(0, 3);
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [8], Latent = 2, Prior = Prior.Vamp, PseudoInputs = 5 }, seed: 1);
        model.InitialiseFromData(train);
        var all = model.Parameters.Download();
        var p = model.Vamp!.PseudoInputs;
        for (int k = 0; k < 5; k++)
            for (int j = 0; j < 784; j++)
                Assert.InRange(all[p.Offset + k * 784 + j] - train.Images[(k % 3) * 784 + j], -0.0100001f, 0.0100001f);
    }

    [Fact]
    // The untrained VampPrior already sits on the untrained posteriors (its pseudo-inputs are training images), so its
    // starting KL is small and the loss falls less than a N(0, I) VAE's from its larger start: 388 to 311 here, hence 15 %.
    public void One_epoch_on_a_small_slice_cuts_the_loss_and_moves_the_pseudo_inputs()
    {
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 2048);
        var test = data.Test.Slice(0, 256);
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [64], Latent = 4, Prior = Prior.Vamp, PseudoInputs = 8 }, seed: 1);
        using var adam = new Adam(2e-3);
        model.InitialiseFromData(train);
        var p = model.Vamp!.PseudoInputs;
        var start = model.Parameters.Download().AsSpan((int)p.Offset, (int)p.Length).ToArray();
        double before = Trainer<float>.Evaluate(model, test, 64).Loss;
        var report = new Trainer<float>(model, adam, 32, seed: 1).Run(train, test, epochs: 1).Single();
        Assert.True(report.TestLoss <= 0.85 * before, $"negative ELBO went from {before:F1} to {report.TestLoss:F1} per image");
        Assert.Equal(report.TestLoss, report.Terms["reconstruction"] + report.Terms["kl"], 3);
        var end = model.Parameters.Download().AsSpan((int)p.Offset, (int)p.Length).ToArray();
        Assert.True(start.Zip(end).Max(t => Math.Abs(t.First - t.Second)) > 1e-3, "the pseudo-inputs are trained");
    }

    [Fact]
    public void A_saved_vamp_model_loads_back_with_its_pseudo_inputs_and_the_same_prior()
    {
        var test = FashionMnist.LoadEmbedded().Test.Slice(0, 60);
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [16], Latent = 3, Prior = Prior.Vamp, PseudoInputs = 4 }, seed: 5);
        model.InitialiseFromData(test);
        string path = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelFile.Save(model, path);
            using var loaded = ModelFile.Load<float>(TestDevice.Cpu, path);
            var vae = Assert.IsType<Vae<float>>(loaded);
            Assert.Equal(4, vae.Options.PseudoInputs);
            Assert.Equal(model.Parameters.Download(), loaded.Parameters.Download());
            Assert.Equal(model.VampComponents().Means, vae.VampComponents().Means);
            Assert.Equal(model.VampComponents().LogVars, vae.VampComponents().LogVars);
            Assert.Equal(Trainer<float>.Evaluate(model, test, 30).Terms, Trainer<float>.Evaluate(loaded, test, 30).Terms);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_other_priors_configuration_is_unchanged()
    {
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [8], Latent = 2 });
        Assert.DoesNotContain("pseudo", model.ConfigJson());
        Assert.Null(model.Vamp);
    }

    [Theory]
    [InlineData(Prior.Vamp, null, Posterior.Diag, "VaeOptions.PseudoInputs must be at least 1 for the VampPrior, got none")]
    [InlineData(Prior.Vamp, 0, Posterior.Diag, "VaeOptions.PseudoInputs must be at least 1 for the VampPrior, got 0")]
    [InlineData(Prior.Vamp, 3, Posterior.Full, "VaeOptions.Prior the VampPrior mixes diagonal posteriors")]
    [InlineData(Prior.Normal, 3, Posterior.Diag, "VaeOptions.PseudoInputs applies only to the VampPrior")]
    public void Options_it_cannot_use_are_one_error_naming_the_property(Prior prior, int? k, Posterior posterior, string message)
    {
        var e = Assert.Throws<IlgpuAeException>(() => new Vae<float>(TestDevice.Cpu, new VaeOptions
        {
            Hidden = [8], Latent = 2, Prior = prior, PseudoInputs = k, Posterior = posterior,
        }));
        Assert.StartsWith(message, e.Message);
    }

    [Theory]
    [InlineData("--prior vamp needs --pseudo-inputs K of at least 1, got none", "--prior", "vamp")]
    [InlineData("--prior vamp needs --pseudo-inputs K of at least 1, got 0", "--prior", "vamp", "--pseudo-inputs", "0")]
    [InlineData("--pseudo-inputs applies only to --prior vamp", "--pseudo-inputs", "5")]
    [InlineData("--pseudo-inputs applies only to --prior vamp", "--prior", "gmm", "--pseudo-inputs", "5")]
    [InlineData("--prior vamp mixes diagonal posteriors", "--prior", "vamp", "--pseudo-inputs", "5", "--posterior", "full")]
    public void Bad_options_on_the_command_line_are_one_clear_error(string mentions, params string[] args)
    {
        OneClearError(Run(["train", "--quiet", "--epochs", "0", "--model", "vae", "--out", Path.Combine(Path.GetTempPath(), "ilgpu-ae-bad-vamp"), .. args]), mentions);
    }

    [Fact]
    public void Train_resume_and_eval_on_the_command_line()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-vamp-{Guid.NewGuid():N}");
        string straight = dir + "-straight";
        try
        {
            string[] common = ["--model", "vae", "--prior", "vamp", "--pseudo-inputs", "6", "--hidden", "16", "--latent", "2", "--limit", "256", "--batch", "64", "--quiet"];
            var train = Run(["train", .. common, "--epochs", "1", "--out", dir]);
            Assert.True(train.Code == 0, train.Err);
            var resumed = Run("train", "--resume", dir, "--epochs", "2", "--quiet");
            Assert.True(resumed.Code == 0, resumed.Err);
            var two = Run(["train", .. common, "--epochs", "2", "--out", straight]);
            Assert.True(two.Code == 0, two.Err);
            Assert.Equal(Metrics(straight), Metrics(dir)); // the pseudo-inputs resume where they were
            var eval = Run("eval", "--model-file", Path.Combine(dir, "model.safetensors"), "--iw", "8", "--iw-images", "10", "--agg-samples", "40", "--json");
            Assert.True(eval.Code == 0, eval.Err);
            using var json = JsonDocument.Parse(eval.Out);
            var root = json.RootElement;
            Assert.True(root.GetProperty("iw_nll").GetDouble() <= root.GetProperty("iw_elbo").GetDouble());
            Assert.Equal(root.GetProperty("kl_mean").GetDouble(),
                root.GetProperty("kl_mutual_information").GetDouble() + root.GetProperty("kl_marginal").GetDouble(), 9);
            Assert.False(root.TryGetProperty("kl_mean_closed_form", out _), "a mixture prior has no closed-form KL");
        }
        finally
        {
            foreach (var d in new[] { dir, straight })
                if (Directory.Exists(d)) Directory.Delete(d, true);
        }
    }
}
