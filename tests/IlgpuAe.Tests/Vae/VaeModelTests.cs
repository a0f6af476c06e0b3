using IlgpuAe.Checkpoints;
using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Tests.Support;
using IlgpuAe.Training;
using Xunit;
using IlgpuAe.Diagnostics;
using static IlgpuAe.Tests.Support.TestBatches;

namespace IlgpuAe.Tests.Vae;

public class VaeModelTests
{
    public static TheoryData<Posterior, Decoder, double?, Prior> Variants => new()
    {
        { Posterior.Diag, Decoder.Bernoulli, null, Prior.Normal },
        { Posterior.Full, Decoder.Bernoulli, null, Prior.Normal },
        { Posterior.Diag, Decoder.Gaussian, null, Prior.Normal },
        { Posterior.Full, Decoder.Gaussian, -1.0, Prior.Normal },
        { Posterior.Diag, Decoder.Bernoulli, null, Prior.Gmm },
        { Posterior.Full, Decoder.Bernoulli, null, Prior.Gmm },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Whole_negative_elbo_gradient_matches_finite_differences_with_eps_fixed(Posterior posterior, Decoder decoder, double? logVar, Prior prior)
    {
        using var model = new Vae<double>(TestDevice.Cpu, new VaeOptions
        {
            Features = 10, Hidden = [6], Latent = 3, Posterior = posterior, Decoder = decoder, DecoderLogVar = logVar,
            Prior = prior, Components = 3, Beta = 0.7, Activation = IlgpuAe.Activation.Tanh,
        }, seed: 4);
        var batch = RandomBatch(5, 10, 12);
        GradAssert.WholeModel(model, batch, step: 9);
        GradAssert.EveryParameterTakesPart(model);
    }

    [Theory]
    [InlineData(Posterior.Diag, Prior.Normal)]
    [InlineData(Posterior.Full, Prior.Gmm)]
    public void One_epoch_on_a_small_slice_cuts_the_negative_elbo_by_at_least_30_percent(Posterior posterior, Prior prior)
    {
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 2048);
        var test = data.Test.Slice(0, 256);
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [64], Latent = 4, Posterior = posterior, Prior = prior, Components = 4 }, seed: 1);
        using var adam = new Adam(2e-3);
        double before = Trainer<float>.Evaluate(model, test, 128).Loss;
        var report = new Trainer<float>(model, adam, 32, seed: 1).Run(train, test, epochs: 1).Single();
        Assert.True(report.TestLoss <= 0.7 * before, $"negative ELBO went from {before:F1} to {report.TestLoss:F1} per image");
        Assert.Equal(report.TestLoss, report.Terms["reconstruction"] + report.Terms["kl"], 3);
        Assert.True(report.Terms["kl"] > 0, "the KL term of a trained VAE is positive");
    }

    [Fact]
    public void Checkpoint_round_trip_gives_the_same_eval_loss()
    {
        var data = FashionMnist.LoadEmbedded();
        var test = data.Test.Slice(0, 200);
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [32], Latent = 3, Prior = Prior.Gmm, Components = 2, Posterior = Posterior.Full }, seed: 5);
        string path = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelFile.Save(model, path);
            using var loaded = ModelFile.Load<float>(TestDevice.Cpu, path);
            Assert.IsType<Vae<float>>(loaded);
            Assert.Equal(model.ConfigJson(), loaded.ConfigJson());
            Assert.Equal(Trainer<float>.Evaluate(model, test, 100).Loss, Trainer<float>.Evaluate(loaded, test, 100).Loss);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Importance_weighted_bound_is_tighter_than_the_elbo_and_the_kl_parts_add_up()
    {
        var data = FashionMnist.LoadEmbedded();
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [64], Latent = 4 }, seed: 1);
        using var adam = new Adam(2e-3);
        new Trainer<float>(model, adam, 64, seed: 1).Run(data.Train.Slice(0, 1024), data.Test.Slice(0, 64), epochs: 1);
        var test = data.Test.Slice(0, 300);
        var iw = VaeDiagnostics.ImportanceWeighted(model, test.Slice(0, 40), 64, seed: 1);
        Assert.True(iw.Nll < iw.NegElbo, $"IW {iw.Nll:F2} should be below the ELBO's {iw.NegElbo:F2}");
        Assert.True(iw.NegElbo - iw.Nll < 50, "the gap between ELBO and IW estimate is a few nats, not a blow-up");
        var kl = VaeDiagnostics.KlDecomposition(model, test, 300, seed: 1);
        Assert.Equal(kl.MeanKl, kl.MutualInformation + kl.MarginalKl, 9);
        Assert.InRange(kl.MutualInformation, 0, Math.Log(300) + 1e-9); // I ≤ log N for a mixture of N posteriors
        Assert.True(kl.MarginalKl > -0.5, $"KL(q(z)||p(z)) ≥ 0 up to Monte-Carlo noise, got {kl.MarginalKl:F3}");
        Assert.True(Math.Abs(kl.MeanKl - kl.ClosedFormKl) < 0.15 * kl.ClosedFormKl + 0.5,
            $"Monte-Carlo mean KL {kl.MeanKl:F2} vs closed form {kl.ClosedFormKl:F2}");
    }

    [Fact]
    public void Host_mixture_log_density_agrees_with_the_kernel_reference()
    {
        using var model = new Vae<double>(TestDevice.Cpu, new VaeOptions { Features = 6, Hidden = [4], Latent = 3, Prior = Prior.Gmm, Components = 4 }, seed: 8);
        var rng = new Random(3);
        model.Parameters.Upload(model.Parameters.Download().Select(_ => rng.NextDouble() * 2 - 1).ToArray());
        var z = Enumerable.Range(0, 5 * 3).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
        var all = model.Parameters.Download();
        double[] Slice(Parameter<double> p) => all.AsSpan((int)p.Offset, (int)p.Length).ToArray();
        var mix = model.Mixture!;
        var expected = IlgpuAe.Kernels.MixtureReference.NegLogDensity(z, Slice(mix.Means), Slice(mix.LogVars), Slice(mix.Logits), 3);
        var actual = model.LogPrior(z, 5);
        for (int r = 0; r < 5; r++) Assert.Equal(-expected[r], actual[r], 10);
    }

    [Theory]
    [InlineData(0, Posterior.Full, Prior.Normal, 10, "VaeOptions.Latent must be at least 1 for a full-covariance posterior")]
    [InlineData(4, Posterior.Diag, Prior.Gmm, 0, "VaeOptions.Components")]
    public void Bad_options_are_one_clear_error(int latent, Posterior posterior, Prior prior, int components, string mentions)
    {
        var e = Assert.Throws<IlgpuAeException>(() => new Vae<float>(TestDevice.Cpu,
            new VaeOptions { Features = 10, Hidden = [4], Latent = latent, Posterior = posterior, Prior = prior, Components = components }));
        Assert.Contains(mentions, e.Message);
    }
}

public class VaeFloatPathTests
{
    /// <summary>
    /// The float path (SIMD GEMM core on the CPU) at the quality-bar shapes, 784-400-20 and batch
    /// 128, against the double path on the same parameters, data and ε: the gradient of every
    /// parameter agrees to 1e-3 in relative norm (float rounding is ~1e-7 per operation).
    /// </summary>
    [Fact]
    public void Float_gradients_at_full_size_agree_with_double()
    {
        var data = FashionMnist.LoadEmbedded();
        var options = new VaeOptions { Hidden = [400], Latent = 20 };
        using var f = new Vae<float>(TestDevice.Cpu, options, seed: 1);
        using var d = new Vae<double>(TestDevice.Cpu, options, seed: 1);
        d.Parameters.Upload(f.Parameters.Download().Select(v => (double)v).ToArray());
        var indices = Enumerable.Range(0, 128).ToArray();
        var images = new float[128 * 784];
        var labels = new byte[128];
        data.Train.Gather(indices, images);
        data.Train.GatherLabels(indices, labels);
        var batch = new Batch(images, labels, 128);
        var pf = f.Plan(128, training: true);
        var pd = d.Plan(128, training: true);
        pf.Step = pd.Step = 5;
        f.Feed(pf, batch);
        d.Feed(pd, batch);
        pf.Forward();
        pd.Forward();
        pf.Backward();
        pd.Backward();
        Assert.Equal(pd.Objective(), pf.Objective(), 1e-3 * pd.Objective());
        var gf = f.Parameters.DownloadGrads();
        var gd = d.Parameters.DownloadGrads();
        foreach (var p in d.Parameters.Parameters)
        {
            double diff = 0, norm = 0;
            for (long i = p.Offset; i < p.Offset + p.Length; i++)
            {
                diff += (gf[i] - gd[i]) * (gf[i] - gd[i]);
                norm += gd[i] * gd[i];
            }
            Assert.True(Math.Sqrt(diff) <= 1e-3 * Math.Sqrt(norm), $"{p.Name}: relative gradient error {Math.Sqrt(diff / norm):E2}");
        }
    }
}
