using IlgpuAe.Checkpoints;
using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Ops;
using IlgpuAe.Optim;
using IlgpuAe.Testing;
using IlgpuAe.Tests.Support;
using IlgpuAe.Training;
using static IlgpuAe.Tests.Support.CliHarness;
using static IlgpuAe.Tests.Support.TestBatches;

namespace IlgpuAe.Tests.Quantised;

/// <summary>
/// The VQ-VAE (`--model vqvae`): its straight-through gradient, the EMA codebook kept out of the optimizer, training,
/// the codebook statistics, files, options and the command line.
/// </summary>
public sealed class VqVaeTests
{
    static VqVaeOptions Small(double? ema = null, int features = 8) => new()
    {
        Autoencoder = new AutoencoderOptions { Features = features, Hidden = [5], Activation = IlgpuAe.Activation.Tanh },
        Codebook = 4,
        CodeDim = 2,
        Codes = 3,
        EmaDecay = ema,
    };

    [Fact]
    public void The_whole_objective_gradient_with_the_straight_through_estimator_matches_finite_differences()
    {
        using var model = new VqVae<double>(TestDevice.Cpu, Small(), seed: 2);
        // The check holds sg(·) at its unperturbed value: the decoder sees z + a constant, the codebook term's z is a constant.
        var plan = GradAssert.WholeModel(model, RandomBatch(5, 8, 13), step: 3);
        GradAssert.EveryParameterTakesPart(model);
        Assert.Equal(["reconstruction", "commitment", "codebook", "codebook_usage", "perplexity"], plan.TermNames);
    }

    [Fact]
    public void With_EMA_the_codebook_follows_its_vectors_and_no_optimizer_touches_it()
    {
        using var model = new VqVae<double>(TestDevice.Cpu, Small(ema: 0.5), seed: 2);
        Assert.Equal(["loss"], model.Objectives);
        var batch = RandomBatch(5, 8, 13);
        var plan = model.Plan(5, training: true);
        Assert.DoesNotContain(model.Codebook, plan.GroupOf("loss").Parameters);
        var report = GradCheck.Model(model, batch, new GradCheckOptions { PlanStep = 3, Objective = "loss" });
        Assert.True(report.Passed, report.ToString());
        Assert.Equal(model.Parameters.Count - model.Codebook.Length, report.Checked);
        // The EMA moved the codebook in the forward pass the check made: a used code sits at the mean of its vectors.
        var before = new double[model.Codebook.Length];
        model.Parameters.InitialValues().AsSpan((int)model.Codebook.Offset, (int)model.Codebook.Length).CopyTo(before);
        var after = model.Parameters.Download().AsSpan((int)model.Codebook.Offset, (int)model.Codebook.Length).ToArray();
        Assert.NotEqual(before, after);
        Assert.DoesNotContain("codebook", plan.TermNames);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void One_epoch_cuts_the_reconstruction_by_a_quarter_and_uses_many_codes(bool ema)
    {
        var data = FashionMnist.LoadEmbedded();
        using var model = new VqVae<float>(TestDevice.Cpu, new VqVaeOptions
        {
            Autoencoder = new AutoencoderOptions { Hidden = [64] }, Codebook = 64, CodeDim = 4, Codes = 8, EmaDecay = ema ? 0.9 : null,
        }, seed: 1);
        var test = data.Test.Slice(0, 256);
        double before = Trainer<float>.Evaluate(model, test, 128).Terms["reconstruction"];
        var optimizers = model.Objectives.ToDictionary(n => n, _ => (Optimizer)new Adam(2e-3));
        using var adam = new Adam(2e-3);
        using var trainer = ema ? new Trainer<float>(model, optimizers, 32, seed: 1) : new Trainer<float>(model, adam, 32, seed: 1);
        var report = trainer.Run(data.Train.Slice(0, 2048), test, epochs: 1).Single();
        Assert.True(report.Terms["reconstruction"] <= 0.75 * before, $"the reconstruction went from {before:F1} to {report.Terms["reconstruction"]:F1} per image");
        Assert.True(report.Terms["codebook_usage"] >= 0.25, $"usage {report.Terms["codebook_usage"]}");
        Assert.True(report.Terms["perplexity"] >= 8 && report.Terms["perplexity"] <= 64, $"perplexity {report.Terms["perplexity"]}");
        // Statistics do not join the loss: the loss is reconstruction + β·commitment (+ codebook).
        double expected = report.Terms["reconstruction"] + 0.25 * report.Terms["commitment"] + (ema ? 0 : report.Terms["codebook"]);
        Assert.Equal(expected, report.TestLoss, 6);
        foreach (var o in optimizers.Values) o.Dispose();
    }

    [Fact]
    public void A_saved_vqvae_loads_back_with_its_codebook_and_EMA_state()
    {
        var data = FashionMnist.LoadEmbedded();
        var test = data.Test.Slice(0, 100);
        using var model = new VqVae<float>(TestDevice.Cpu, Small(ema: 0.9, features: 784), seed: 5);
        var optimizers = model.Objectives.ToDictionary(n => n, _ => (Optimizer)new Adam());
        using (var t = new Trainer<float>(model, optimizers, 16, seed: 1)) t.Run(data.Train.Slice(0, 64), test, epochs: 1);
        string path = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelFile.Save(model, path);
            using var loaded = ModelFile.Load<float>(TestDevice.Cpu, path);
            Assert.Equal(0.9, Assert.IsType<VqVae<float>>(loaded).Quantiser.EmaDecay);
            Assert.Equal(model.Parameters.DownloadBuffers(), loaded.Parameters.DownloadBuffers());
            Assert.Equal(Trainer<float>.Evaluate(model, test, 50).Terms, Trainer<float>.Evaluate(loaded, test, 50).Terms);
        }
        finally
        {
            File.Delete(path);
            foreach (var o in optimizers.Values) o.Dispose();
        }
    }

    [Fact]
    public void A_convolutional_vqvae_trains_and_evaluates()
    {
        var data = FashionMnist.LoadEmbedded();
        using var model = new VqVae<float>(TestDevice.Cpu, new VqVaeOptions
        {
            Autoencoder = new AutoencoderOptions { Conv = new ConvOptions { Channels = [4], Kernel = 4, Dense = 16 } }, Codebook = 8, CodeDim = 2, Codes = 2,
        }, seed: 2);
        using var adam = new Adam(1e-3);
        var report = new Trainer<float>(model, adam, 16, seed: 1).Run(data.Train.Slice(0, 32), data.Test.Slice(0, 16), epochs: 1).Single();
        Assert.True(double.IsFinite(report.Terms["commitment"]), $"commitment {report.Terms["commitment"]}");
    }

    [Fact]
    public void The_ONNX_export_refuses_it_rather_than_write_an_encoder_without_its_quantiser()
    {
        using var model = new VqVae<float>(TestDevice.Cpu, Small(features: 784), seed: 1);
        Assert.Contains("'vqvae' (VqVae`1) cannot be exported", Assert.Throws<IlgpuAeException>(() => IlgpuAe.Onnx.OnnxExport.Build(model)).Message);
    }

    [Fact]
    public void Options_it_cannot_use_are_one_error_naming_the_property()
    {
        Assert.Equal("VqVaeOptions.Codebook", Assert.Throws<IlgpuAeException>(() => new VqVae<float>(TestDevice.Cpu, new VqVaeOptions { Codebook = 0 })).Option);
        Assert.Equal("VqVaeOptions.CodeDim", Assert.Throws<IlgpuAeException>(() => new VqVae<float>(TestDevice.Cpu, new VqVaeOptions { CodeDim = 0 })).Option);
        Assert.Equal("VqVaeOptions.Commitment", Assert.Throws<IlgpuAeException>(() => new VqVae<float>(TestDevice.Cpu, new VqVaeOptions { Commitment = -1 })).Option);
        Assert.Equal("VqVaeOptions.EmaDecay", Assert.Throws<IlgpuAeException>(() => new VqVae<float>(TestDevice.Cpu, new VqVaeOptions { EmaDecay = 1 })).Option);
    }

    [Theory]
    [InlineData("--codebook must be between 1", "--codebook", "0")]
    [InlineData("--code-dim must be between 1", "--code-dim", "0")]
    [InlineData("--commitment", "--commitment", "-1")]
    [InlineData("--ema-decay applies only with --ema", "--ema-decay", "0.9")]
    [InlineData("unknown option --prior", "--prior", "gmm")]
    public void Bad_options_on_the_command_line_are_one_clear_error(string mentions, params string[] args)
    {
        OneClearError(Run(["train", "--model", "vqvae", "--quiet", "--epochs", "0", "--out", Path.Combine(Path.GetTempPath(), "ilgpu-ae-bad-vqvae"), .. args]), mentions);
    }

    [Fact]
    public void Its_options_on_another_model_are_one_clear_error()
    {
        OneClearError(Run("train", "--model", "vae", "--quiet", "--epochs", "0", "--codebook", "8", "--out", Path.Combine(Path.GetTempPath(), "ilgpu-ae-bad-vae")),
            "it is an option of --model vqvae");
    }

    [Fact]
    public void Train_with_EMA_resume_and_eval_on_the_command_line()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-vq-{Guid.NewGuid():N}");
        string whole = dir + "-whole";
        try
        {
            string[] run = ["train", "--model", "vqvae", "--ema", "--codebook", "32", "--code-dim", "4", "--codes", "4", "--hidden", "32", "--limit", "256", "--batch", "64", "--quiet"];
            Assert.Equal(0, Run([.. run, "--epochs", "2", "--out", whole]).Code);
            var first = Run([.. run, "--epochs", "1", "--out", dir]);
            Assert.True(first.Code == 0, first.Err);
            var resumed = Run("train", "--resume", dir, "--epochs", "2", "--quiet");
            Assert.True(resumed.Code == 0, resumed.Err);
            Assert.Equal(Metrics(whole), Metrics(dir));
            var eval = Run("eval", "--model-file", Path.Combine(dir, "model.safetensors"), "--json");
            Assert.True(eval.Code == 0, eval.Err);
            using var json = System.Text.Json.JsonDocument.Parse(eval.Out);
            Assert.InRange(json.RootElement.GetProperty("terms").GetProperty("perplexity").GetDouble(), 1, 32);
        }
        finally
        {
            foreach (var d in new[] { dir, whole })
                if (Directory.Exists(d)) Directory.Delete(d, true);
        }
    }
}
