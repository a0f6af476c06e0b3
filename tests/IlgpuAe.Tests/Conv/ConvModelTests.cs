using System.Text.Json;
using IlgpuAe.Checkpoints;
using IlgpuAe.Data;
using IlgpuAe.Kernels;
using IlgpuAe.Models;
using IlgpuAe.Modules;
using IlgpuAe.Optim;
using IlgpuAe.Testing;
using IlgpuAe.Tests.Support;
using IlgpuAe.Training;
using Xunit;
using static IlgpuAe.Tests.Support.TestBatches;

namespace IlgpuAe.Tests.Conv;

/// <summary>`--arch conv` models: whole-model gradients in double, PyTorch's initialisation rules, checkpoints, training.</summary>
public class ConvModelTests
{
    /// <summary>8×8 grayscale images through 2 and 3 channels (4×4, 2×2) and a dense layer of 5: every parameter small enough to probe each coordinate.</summary>
    static readonly ConvOptions Small = new() { Channels = [2, 3], Kernel = 4, Dense = 5, Height = 8, Width = 8 };

    public static TheoryData<Decoder, double?> VaeVariants() => new()
    {
        { Decoder.Bernoulli, null },
        { Decoder.Gaussian, null },
        { Decoder.Gaussian, -1.0 },
    };

    [Theory]
    [MemberData(nameof(VaeVariants))]
    public void Conv_vae_negative_elbo_gradient_matches_finite_differences(Decoder decoder, double? logVar)
    {
        using var model = new Vae<double>(TestDevice.Cpu, new VaeOptions
        {
            Features = 64, Latent = 2, Conv = Small, Decoder = decoder, DecoderLogVar = logVar, Activation = Activation.Tanh,
        }, seed: 3);
        GradAssert.WholeModel(model, RandomBatch(3, 64, 5), step: 4);
        GradAssert.EveryParameterTakesPart(model);
    }

    [Theory]
    [InlineData(Posterior.Full, Prior.Normal)]
    [InlineData(Posterior.Diag, Prior.Gmm)]
    public void A_conv_encoder_trunk_feeds_the_full_covariance_head_and_the_mixture_prior_with_exact_gradients(Posterior posterior, Prior prior)
    {
        // The convolutions only replace the encoder's trunk; the head (diagonal or LLᵀ) and the prior (N(0, I) or a GMM) sit on it unchanged.
        using var model = new Vae<double>(TestDevice.Cpu, new VaeOptions
        {
            Features = 64, Latent = 2, Conv = Small, Posterior = posterior, Prior = prior, Components = 3, Activation = Activation.Tanh,
        }, seed: 4);
        // Eight coordinates of every parameter (the trunk's are checked in full by the tests above): the suite's time is tight.
        GradAssert.Holds(GradCheck.Model(model, RandomBatch(3, 64, 6), new GradCheckOptions { PlanStep = 5, PerParameter = 8 }));
        GradAssert.EveryParameterTakesPart(model);
    }

    [Fact]
    public void Conv_ae_reconstruction_gradient_matches_finite_differences()
    {
        using var model = new Autoencoder<double>(TestDevice.Cpu, new AutoencoderOptions
        {
            Features = 64, Code = 3, Conv = Small, Activation = Activation.Tanh,
        }, seed: 6);
        GradAssert.WholeModel(model, RandomBatch(3, 64, 7));
        GradAssert.EveryParameterTakesPart(model);
    }

    [Fact]
    public void Conv_dae_and_kl_sparse_ae_gradients_match_finite_differences()
    {
        var ae = new AutoencoderOptions { Features = 64, Code = 3, Conv = Small, Activation = Activation.Tanh };
        using (var dae = new DenoisingAutoencoder<double>(TestDevice.Cpu, new DenoisingOptions { Autoencoder = ae }, seed: 2))
            GradAssert.WholeModel(dae, RandomBatch(3, 64, 8), step: 3);
        var sparse = new SparseOptions { Autoencoder = ae with { CodeActivation = Activation.Sigmoid }, Sparsity = Sparsity.Kl, Lambda = 0.5 };
        using (var model = new SparseAutoencoder<double>(TestDevice.Cpu, sparse, seed: 3))
            GradAssert.WholeModel(model, RandomBatch(3, 64, 9));
    }

    [Theory]
    [InlineData(Condition.Label)]
    [InlineData(Condition.Masked)]
    public void Conv_cvae_gradient_matches_finite_differences(Condition condition)
    {
        using var model = new Cvae<double>(TestDevice.Cpu, new CvaeOptions
        {
            Features = 64, Width = 8, Height = 8, Classes = 3, Block = 3, Latent = 2, Condition = condition,
            Conv = Small, Activation = Activation.Tanh,
        }, seed: 5);
        var rng = new Random(4);
        var batch = new Batch(Enumerable.Range(0, 3 * 64).Select(_ => (float)rng.NextDouble()).ToArray(), [0, 2, 1], 3);
        GradAssert.WholeModel(model, batch, step: 2);
        GradAssert.EveryParameterTakesPart(model);
    }

    [Fact]
    public void The_default_conv_vae_has_the_reference_layers_and_pytorch_bounds()
    {
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Conv = new ConvOptions() }, seed: 1);
        var shapes = model.Parameters.Parameters.ToDictionary(p => p.Name, p => (p.Rows, p.Cols));
        Assert.Equal((32, 16), shapes["encoder.conv.0.weight"]);          // Conv2d(1, 32, 4, 2, 1)
        Assert.Equal((64, 32 * 16), shapes["encoder.conv.1.weight"]);     // Conv2d(32, 64, 4, 2, 1)
        Assert.Equal((256, 64 * 7 * 7), shapes["encoder.0.weight"]);      // Linear(3136, 256)
        Assert.Equal((20, 256), shapes["encoder.head.mean.weight"]);
        Assert.Equal((256, 20), shapes["decoder.0.weight"]);
        Assert.Equal((64 * 7 * 7, 256), shapes["decoder.1.weight"]);
        Assert.Equal((64, 32 * 16), shapes["decoder.conv.0.weight"]);     // ConvTranspose2d(64, 32, 4, 2, 1): [in, out·k·k]
        Assert.Equal((32, 16), shapes["decoder.out.weight"]);             // ConvTranspose2d(32, 1, 4, 2, 1)
        Assert.Equal((1, 1), shapes["decoder.out.bias"]);
        var values = model.Parameters.InitialValues();
        // nn.Conv2d: U(±1/√(C_in·k²)); nn.ConvTranspose2d: fan_in from weight.size(1)·k² = C_out·k².
        foreach (var (name, fanIn) in new[] { ("encoder.conv.0", 16), ("encoder.conv.1", 512), ("decoder.conv.0", 512), ("decoder.out", 16) })
            foreach (var part in new[] { "weight", "bias" })
            {
                var p = model.Parameters[$"{name}.{part}"];
                var v = values.AsSpan((int)p.Offset, (int)p.Length).ToArray();
                double bound = 1 / Math.Sqrt(fanIn);
                Assert.All(v, x => Assert.InRange(Math.Abs(x), 0, bound));
                if (v.Length >= 16) Assert.True(v.Max(x => Math.Abs(x)) > 0.8 * bound, $"{p.Name} does not reach its bound {bound}");
            }
    }

    [Fact]
    public void The_conv_decoder_output_bias_starts_at_the_logit_of_each_channels_mean_pixel()
    {
        var rng = new Random(3);
        var images = Enumerable.Range(0, 5 * 2 * 64).Select(i => (float)(i % 128 < 64 ? 0.2 * rng.NextDouble() : 0.6 + 0.4 * rng.NextDouble())).ToArray();
        var data = new Dataset("two channels", images, new byte[5], width: 8, height: 16);
        var conv = Small with { ImageChannels = 2 };
        using var model = new Vae<double>(TestDevice.Cpu, new VaeOptions { Features = 128, Latent = 2, Conv = conv }, seed: 1);
        model.InitialiseFromData(data);
        var bias = model.Decoder.Out.Bias;
        Assert.Equal(2, bias.Cols);
        var values = model.Parameters.Download();
        for (int c = 0; c < 2; c++)
        {
            double mean = Enumerable.Range(0, 5).SelectMany(i => images.Skip(i * 128 + c * 64).Take(64)).Average(v => (double)v);
            Assert.Equal(Math.Log(mean / (1 - mean)), values[bias.Offset + c], 6);
        }
    }

    [Fact]
    public void An_mlp_configuration_is_written_exactly_as_before()
    {
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions(), seed: 1);
        Assert.DoesNotContain("conv", model.ConfigJson());
        using var ae = new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions(), seed: 1);
        Assert.DoesNotContain("conv", ae.ConfigJson());
    }

    [Fact]
    public void A_saved_conv_vae_loads_with_the_same_architecture_and_outputs()
    {
        string path = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-conv-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Features = 64, Latent = 2, Conv = Small }, seed: 2);
            var batch = RandomBatch(4, 64, 9);
            var before = model.Infer(batch, "reconstruction");
            ModelFile.Save(model, path);
            using var loaded = ModelFile.Load<float>(TestDevice.Cpu, path);
            var vae = Assert.IsType<Vae<float>>(loaded);
            Assert.Equal(Small.Channels, vae.Options.Conv!.Channels);
            Assert.NotNull(vae.Convolutions);
            Assert.Equal(before, vae.Infer(batch, "reconstruction"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(3, 28, 28, 784, "gives 27x27 back")]
    [InlineData(4, 30, 30, 900, "divisible by 4")]
    [InlineData(4, 28, 27, 784, "values, the data has")]
    public void Architectures_the_decoder_cannot_mirror_are_refused_with_the_reason(int kernel, int height, int width, int features, string mentions)
    {
        var options = new VaeOptions { Features = features, Conv = new ConvOptions { Kernel = kernel, Height = height, Width = width } };
        var e = Assert.Throws<IlgpuAeException>(() => new Vae<float>(TestDevice.Cpu, options));
        Assert.Contains(mentions, e.Message);
    }

    [Fact]
    public void The_contractive_autoencoder_refuses_a_conv_encoder()
    {
        var options = new ContractiveOptions { Autoencoder = new AutoencoderOptions { Conv = new ConvOptions() } };
        var e = Assert.Throws<IlgpuAeException>(() => new ContractiveAutoencoder<float>(TestDevice.Cpu, options));
        Assert.Contains("AutoencoderOptions.Conv is not available for cae", e.Message);
    }

    [Fact]
    public void A_conv_vae_learns_on_the_embedded_images()
    {
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 1024);
        var test = data.Test.Slice(0, 256);
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Latent = 8, Conv = new ConvOptions { Channels = [8, 16], Dense = 64 } }, seed: 1);
        double before = Trainer<float>.Evaluate(model, test, 128).Loss;
        using var adam = new Adam(3e-3);
        using var trainer = new Trainer<float>(model, adam, batch: 32, seed: 1);
        var reports = trainer.Run(train, test, epochs: 2);
        double after = reports[^1].TestLoss;
        Assert.True(after < before - 100, $"the test -ELBO went from {before:F1} to {after:F1}");
    }

    [Fact]
    public void A_conv_ae_learns_on_the_embedded_images()
    {
        var data = FashionMnist.LoadEmbedded();
        using var model = new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions { Code = 8, Conv = new ConvOptions { Channels = [8, 16], Dense = 64 } }, seed: 1);
        var test = data.Test.Slice(0, 256);
        double before = Trainer<float>.Evaluate(model, test, 128).Loss;
        using var adam = new Adam(3e-3);
        using var trainer = new Trainer<float>(model, adam, batch: 32, seed: 1);
        double after = trainer.Run(data.Train.Slice(0, 1024), test, epochs: 2)[^1].TestLoss;
        Assert.True(after < 0.7 * before, $"the test reconstruction loss went from {before:F1} to {after:F1}");
    }
}
