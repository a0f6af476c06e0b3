using IlgpuAe.Checkpoints;
using IlgpuAe.Data;
using IlgpuAe.Graph;
using IlgpuAe.Models;
using IlgpuAe.Ops;
using IlgpuAe.Optim;
using IlgpuAe.Testing;
using IlgpuAe.Training;
using static IlgpuAe.Tests.Support.CliHarness;
using static IlgpuAe.Tests.Support.TestBatches;

namespace IlgpuAe.Tests.Adversarial;

/// <summary>
/// The adversarial autoencoder (`--model aae`): each of its three objectives' gradient over its own group, training with an
/// optimizer per objective, exact resumption, the priors' draws, files, options and the command line.
/// </summary>
public sealed class AaeTests
{
    static AaeOptions Small(AaePrior prior = AaePrior.Normal, int code = 2, int features = 8) => new()
    {
        Autoencoder = new AutoencoderOptions { Features = features, Hidden = [5], Code = code, Activation = IlgpuAe.Activation.Tanh },
        Prior = prior,
        Components = 3,
        DiscriminatorHidden = [4],
    };

    static Dictionary<string, Optimizer> AdamPerObjective(Model<float> model, double lr = 1e-3) =>
        model.Objectives.ToDictionary(n => n, _ => (Optimizer)new Adam(lr));

    [Theory]
    [InlineData(AaePrior.Normal)]
    [InlineData(AaePrior.Gmm)]
    [InlineData(AaePrior.Circle)]
    public void Each_objective_gradient_matches_finite_differences_over_its_own_group(AaePrior prior)
    {
        using var model = new AdversarialAutoencoder<double>(TestDevice.Cpu, Small(prior), seed: 3);
        var batch = RandomBatch(5, 8, 11);
        var plan = model.Plan(5, training: true);
        foreach (var objective in model.Objectives)
        {
            var report = GradCheck.Model(model, batch, new GradCheckOptions { PlanStep = 2, Objective = objective });
            Assert.True(report.Passed, $"{objective}: {report}");
            Assert.Equal(plan.GroupOf(objective).Count, report.Checked);
        }
        Assert.Equal(["encoder", "decoder"], plan.GroupOf("reconstruction").Parameters.Select(p => p.Name.Split('.')[0]).Distinct());
        Assert.All(plan.GroupOf("discriminator").Parameters, p => Assert.StartsWith("discriminator.", p.Name));
        Assert.All(plan.GroupOf("generator").Parameters, p => Assert.StartsWith("encoder.", p.Name));
    }

    [Fact]
    public void One_epoch_cuts_the_reconstruction_by_a_quarter_and_reports_both_players_losses()
    {
        var data = FashionMnist.LoadEmbedded();
        using var model = new AdversarialAutoencoder<float>(TestDevice.Cpu, new AaeOptions { Autoencoder = new AutoencoderOptions { Hidden = [64], Code = 8 }, DiscriminatorHidden = [32] }, seed: 1);
        var optimizers = AdamPerObjective(model, 2e-3);
        var test = data.Test.Slice(0, 256);
        double before = Trainer<float>.Evaluate(model, test, 128).Terms["reconstruction"];
        using var trainer = new Trainer<float>(model, optimizers, 32, seed: 1);
        var report = trainer.Run(data.Train.Slice(0, 2048), test, epochs: 1).Single();
        Assert.True(report.Terms["reconstruction"] <= 0.75 * before, $"the reconstruction went from {before:F1} to {report.Terms["reconstruction"]:F1} per image");
        // The loss a run reports is the first objective's; the players' losses are terms beside it.
        Assert.Equal(report.Terms["reconstruction"], report.TestLoss, 9);
        Assert.All(new[] { "discriminator", "generator" }, t => Assert.True(report.TrainTerms[t] > 0 && double.IsFinite(report.TrainTerms[t]), $"{t} {report.TrainTerms[t]}"));
        Assert.Equal(64, optimizers["discriminator"].Steps);
        foreach (var o in optimizers.Values) o.Dispose();
    }

    [Fact]
    public void Asked_for_a_cuda_graph_a_model_with_several_objectives_warns_once_and_trains_uncaptured()
    {
        var data = FashionMnist.LoadEmbedded();
        using var model = new AdversarialAutoencoder<float>(TestDevice.Cpu, new AaeOptions { Autoencoder = new AutoencoderOptions { Hidden = [16], Code = 4 }, DiscriminatorHidden = [8] }, seed: 1);
        var optimizers = AdamPerObjective(model, 1e-3);
        var warnings = new List<string>();
        using (var trainer = new Trainer<float>(model, optimizers, 32, seed: 1, new TrainerOptions { CudaGraph = true, OnWarning = warnings.Add }))
        {
            trainer.Run(data.Train.Slice(0, 128), data.Test.Slice(0, 32), epochs: 1);
            Assert.False(trainer.StepCaptured);
            Assert.Contains("several objectives (aae)", trainer.CaptureFallback);
        }
        Assert.StartsWith("warning: --cuda-graph: the training step runs uncaptured: a model with several objectives", Assert.Single(warnings));
        foreach (var o in optimizers.Values) o.Dispose();
    }

    [Fact]
    public void A_run_resumed_from_a_mid_epoch_checkpoint_ends_bit_identical_to_one_that_never_stopped()
    {
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 256);
        var test = data.Test.Slice(0, 64);
        var options = Small(AaePrior.Gmm, features: 784);
        string path = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-aae-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var straight = new AdversarialAutoencoder<float>(TestDevice.Cpu, options, seed: 4);
            var o1 = AdamPerObjective(straight);
            using (var t = new Trainer<float>(straight, o1, 32, seed: 2)) t.Run(train, test, epochs: 2);

            using var first = new AdversarialAutoencoder<float>(TestDevice.Cpu, options, seed: 4);
            var o2 = AdamPerObjective(first);
            bool saved = false;
            using (var t = new Trainer<float>(first, o2, 32, seed: 2, new TrainerOptions { CheckpointEvery = 5 }))
                t.Run(train, test, epochs: 1, onCheckpoint: s =>
                {
                    if (saved) return;
                    RunCheckpoint.Save(path, first, o2, s);
                    saved = true;
                });
            var (loaded, resume) = RunCheckpoint.Load<float>(TestDevice.Cpu, path);
            using var _ = loaded;
            Assert.Equal((1, 5), (resume.State.Epoch, resume.State.Batch));
            var o3 = AdamPerObjective(loaded);
            RunCheckpoint.RestoreObjectives(resume, loaded, o3, 32);
            using (var t = new Trainer<float>(loaded, o3, 32, seed: 2) { State = resume.State }) t.Run(train, test, epochs: 2);
            Assert.Equal(straight.Parameters.Download(), loaded.Parameters.Download());
            foreach (var n in straight.Objectives)
            {
                Assert.Equal(o1[n].Steps, o3[n].Steps);
                Assert.Equal(o1[n].State()["v"], o3[n].State()["v"]);
            }
            foreach (var o in o1.Values.Concat(o2.Values).Concat(o3.Values)) o.Dispose();
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_circle_prior_draws_its_petals_and_the_gmm_its_isotropic_components()
    {
        foreach (var prior in new[] { AaePrior.Circle, AaePrior.Gmm })
        {
            using var model = new AdversarialAutoencoder<double>(TestDevice.Cpu, Small(prior) with { Components = 4 }, seed: 1);
            const int rows = 4000;
            var g = new GraphBuilder<double>(model.Parameters, rows, training: false);
            g.Output("z", model.PriorDraws(g, rows, 2));
            using var plan = g.Compile();
            plan.Step = 3;
            plan.Forward();
            var z = plan.Read("z");
            for (int k = 0; k < 4; k++)
            {
                var mean = model.ComponentMean(k, 4, 2);
                double t = 2 * Math.PI * k / 4;
                // Coordinates along the component's radius and across it.
                var along = Enumerable.Range(0, rows / 4).Select(i => 4 * i + k).Select(r => (z[2 * r] - mean[0]) * Math.Cos(t) + (z[2 * r + 1] - mean[1]) * Math.Sin(t)).ToArray();
                var across = Enumerable.Range(0, rows / 4).Select(i => 4 * i + k).Select(r => -(z[2 * r] - mean[0]) * Math.Sin(t) + (z[2 * r + 1] - mean[1]) * Math.Cos(t)).ToArray();
                double sdAlong = Math.Sqrt(along.Select(v => v * v).Average()), sdAcross = Math.Sqrt(across.Select(v => v * v).Average());
                Assert.True(Math.Abs(along.Average()) < 0.05 && Math.Abs(across.Average()) < 0.05, $"{prior} component {k} is off its mean");
                Assert.Equal(0.5, sdAlong, 1);
                Assert.Equal(prior == AaePrior.Circle ? 0.1 : 0.5, sdAcross, 1);
            }
        }
    }

    [Fact]
    public void A_saved_aae_loads_back_as_one_with_the_same_test_terms()
    {
        var test = FashionMnist.LoadEmbedded().Test.Slice(0, 100);
        using var model = new AdversarialAutoencoder<float>(TestDevice.Cpu, Small(AaePrior.Circle, features: 784), seed: 5);
        string path = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelFile.Save(model, path);
            using var loaded = ModelFile.Load<float>(TestDevice.Cpu, path);
            Assert.Equal(AaePrior.Circle, Assert.IsType<AdversarialAutoencoder<float>>(loaded).Adversarial.Prior);
            Assert.Equal(Trainer<float>.Evaluate(model, test, 50).Terms, Trainer<float>.Evaluate(loaded, test, 50).Terms);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_convolutional_aae_trains_and_evaluates()
    {
        var data = FashionMnist.LoadEmbedded();
        using var model = new AdversarialAutoencoder<float>(TestDevice.Cpu, new AaeOptions
        {
            Autoencoder = new AutoencoderOptions { Code = 2, Conv = new ConvOptions { Channels = [4], Kernel = 4, Dense = 16 } },
            DiscriminatorHidden = [8],
        }, seed: 2);
        var optimizers = AdamPerObjective(model);
        using var trainer = new Trainer<float>(model, optimizers, 16, seed: 1);
        var report = trainer.Run(data.Train.Slice(0, 32), data.Test.Slice(0, 16), epochs: 1).Single();
        Assert.True(double.IsFinite(report.Terms["generator"]), $"generator {report.Terms["generator"]}");
        foreach (var o in optimizers.Values) o.Dispose();
    }

    [Fact]
    public void Training_it_with_one_optimizer_or_bad_options_is_one_error()
    {
        using var model = new AdversarialAutoencoder<float>(TestDevice.Cpu, Small(), seed: 1);
        using var adam = new Adam();
        Assert.Contains("one optimizer per objective", Assert.Throws<IlgpuAeException>(() => new Trainer<float>(model, adam, 4, 1)).Message);
        Assert.Contains("instance of its own", Assert.Throws<IlgpuAeException>(() =>
            new Trainer<float>(model, model.Objectives.ToDictionary(n => n, _ => (Optimizer)adam), 4, 1)).Message);
        Assert.Contains("clipping", Assert.Throws<IlgpuAeException>(() =>
            new Trainer<float>(model, AdamPerObjective(model), 4, 1, new TrainerOptions { ClipGrad = 1 })).Message);
        Assert.Equal("AaeOptions.Components", Assert.Throws<IlgpuAeException>(() => new AdversarialAutoencoder<float>(TestDevice.Cpu, Small(AaePrior.Gmm) with { Components = 0 })).Option);
        Assert.Equal("AaeOptions.Prior", Assert.Throws<IlgpuAeException>(() => new AdversarialAutoencoder<float>(TestDevice.Cpu, Small(AaePrior.Circle, code: 3))).Option);
    }

    [Theory]
    [InlineData("--components must be between 1", "--prior", "gmm", "--components", "0")]
    [InlineData("--components applies to --prior gmm or circle", "--components", "4")]
    [InlineData("--prior circle is a mixture of 2-D Gaussians: it needs --latent 2, got 3", "--prior", "circle", "--latent", "3")]
    [InlineData("--clip-grad does not apply to --model aae", "--clip-grad", "1")]
    [InlineData("--prior must be one of normal, gmm, circle", "--prior", "vamp")]
    [InlineData("--objective-lr: --model aae has no objective 'disc'; its objectives are reconstruction, discriminator, generator", "--objective-lr", "disc=1e-4")]
    [InlineData("--objective-lr: the rate of 'generator' must be a number in (0, 10], got 'fast'", "--objective-lr", "generator=fast")]
    [InlineData("--objective-lr takes NAME=RATE pairs separated by commas, got 'generator'", "--objective-lr", "generator")]
    [InlineData("--beta1 applies to adam and adamw, not sgd", "--optimizer", "sgd", "--beta1", "0.5")]
    public void Bad_options_on_the_command_line_are_one_clear_error(string mentions, params string[] args)
    {
        OneClearError(Run(["train", "--model", "aae", "--quiet", "--epochs", "0", "--out", Path.Combine(Path.GetTempPath(), "ilgpu-ae-bad-aae"), .. args]), mentions);
    }

    [Fact]
    public void Its_options_on_another_model_are_one_clear_error()
    {
        OneClearError(Run("train", "--model", "ae", "--quiet", "--epochs", "0", "--disc-hidden", "8", "--out", Path.Combine(Path.GetTempPath(), "ilgpu-ae-bad-ae")),
            "it is an option of --model aae");
    }

    [Fact]
    public void Each_objective_steps_at_its_own_objective_lr_and_beta1_and_the_defaults_spelled_out_change_no_bit()
    {
        string root = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-aae-lr-{Guid.NewGuid():N}");
        try
        {
            List<string> Train(string name, params string[] extra)
            {
                string dir = Path.Combine(root, name);
                var r = Run(["train", "--model", "aae", "--hidden", "16", "--disc-hidden", "8", "--limit", "128", "--batch", "64", "--epochs", "1", "--quiet", "--out", dir, .. extra]);
                Assert.True(r.Code == 0, r.Err);
                return Metrics(dir);
            }
            var plain = Train("plain");
            Assert.Equal(plain, Train("spelled", "--objective-lr", "generator=1e-3,discriminator=0.001", "--beta1", "0.9", "--beta2", "0.999"));
            Assert.NotEqual(plain, Train("slow-generator", "--objective-lr", "generator=1e-4"));
            Assert.NotEqual(plain, Train("slow-reconstruction", "--objective-lr", "reconstruction=1e-4"));
            Assert.NotEqual(plain, Train("beta1", "--beta1", "0.5"));
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, true);
        }
    }

    [Fact]
    public void Train_resume_and_eval_on_the_command_line()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-aae-{Guid.NewGuid():N}");
        string whole = dir + "-whole";
        try
        {
            string[] run = ["train", "--model", "aae", "--prior", "circle", "--hidden", "32", "--disc-hidden", "16", "--limit", "256", "--batch", "64", "--quiet",
                "--objective-lr", "discriminator=3e-4,generator=3e-4", "--beta1", "0.5"];
            Assert.Equal(0, Run([.. run, "--epochs", "2", "--out", whole]).Code);
            var first = Run([.. run, "--epochs", "1", "--out", dir]);
            Assert.True(first.Code == 0, first.Err);
            foreach (var f in new[] { "reconstructions.png", "latent.png", "model.safetensors", "checkpoint.safetensors" })
                Assert.True(File.Exists(Path.Combine(dir, f)), f);
            var resumed = Run("train", "--resume", dir, "--epochs", "2", "--quiet");
            Assert.True(resumed.Code == 0, resumed.Err);
            Assert.Equal(Metrics(whole), Metrics(dir));
            var eval = Run("eval", "--model-file", Path.Combine(dir, "model.safetensors"), "--json");
            Assert.True(eval.Code == 0, eval.Err);
            using var json = System.Text.Json.JsonDocument.Parse(eval.Out);
            var terms = json.RootElement.GetProperty("terms");
            Assert.Equal(json.RootElement.GetProperty("test_loss").GetDouble(), terms.GetProperty("reconstruction").GetDouble(), 9);
            Assert.True(terms.GetProperty("discriminator").GetDouble() > 0);
        }
        finally
        {
            foreach (var d in new[] { dir, whole })
                if (Directory.Exists(d)) Directory.Delete(d, true);
        }
    }
}
