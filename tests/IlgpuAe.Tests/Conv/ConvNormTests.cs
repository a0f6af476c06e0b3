using IlgpuAe.Checkpoints;
using IlgpuAe.Compute;
using IlgpuAe.Data;
using IlgpuAe.Graph;
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

/// <summary>
/// `--norm batch|group` in the conv architecture: the batch_norm2d and group_norm ops against finite differences in both
/// modes, whole-model gradients in double, evaluation with the running statistics, and the statistics kept in model files
/// and run checkpoints so that a resumed run is bit-identical to one that never stopped.
/// </summary>
public class ConvNormTests
{
    static readonly ConvOptions Small = new() { Channels = [2, 3], Kernel = 4, Dense = 5, Height = 8, Width = 8 };

    // x [B, C·P], γ, β as parameters, the running buffers random (variance positive), objective Σ op(x) ⊙ R.
    static GradCheckReport OpCheck(NormShape s, NormStatistics statistics, int seed)
    {
        using var store = new ParameterStore<double>(TestDevice.Cpu, (ulong)seed);
        var x = store.Add("x", s.Batch, s.Channels * s.Plane, Init.Zeros);
        var gamma = store.Add("gamma", 1, s.Channels, Init.Zeros);
        var beta = store.Add("beta", 1, s.Channels, Init.Zeros);
        var mean = s.Batchwise ? store.AddBuffer("mean", 1, s.Channels, 0) : null;
        var variance = s.Batchwise ? store.AddBuffer("var", 1, s.Channels, 1) : null;
        store.Materialize();
        var rng = new Random(seed);
        store.Upload(Enumerable.Range(0, (int)store.Count).Select(_ => rng.NextDouble() * 4 - 2).ToArray());
        if (s.Batchwise)
            store.UploadBuffers(Enumerable.Range(0, 2 * s.Channels).Select(i => i < s.Channels ? rng.NextDouble() - 0.5 : 0.5 + rng.NextDouble()).ToArray());
        var g = new GraphBuilder<double>(store, s.Batch, training: true);
        var y = s.Batchwise
            ? g.BatchNorm2d(g.Param(x), s.Channels, s.Plane, gamma, beta, mean!, variance!, statistics)
            : g.GroupNorm(g.Param(x), s.Channels, s.Plane, s.Groups, gamma, beta);
        var r = g.Input("r", y.Cols);
        g.Loss("objective", g.Sum(g.Mul(y, r)));
        using var plan = g.Compile();
        var weights = Enumerable.Range(0, (int)y.Length).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        return GradCheck.Plan(plan, () => { plan.SetInput(r, weights); plan.Forward(); });
    }

    [Theory]
    [InlineData(3, 2, 4, 0, NormStatistics.Batch, 1)]
    [InlineData(2, 3, 1, 0, NormStatistics.Batch, 2)]
    [InlineData(3, 2, 4, 0, NormStatistics.Running, 3)]
    [InlineData(2, 4, 3, 2, NormStatistics.Batch, 4)]
    [InlineData(1, 3, 5, 3, NormStatistics.Batch, 5)]
    [InlineData(2, 2, 6, 1, NormStatistics.Batch, 6)]
    public void Normalisation_op_gradients_match_finite_differences(int batch, int channels, int plane, int groups, NormStatistics statistics, int seed)
    {
        var s = groups == 0 ? NormShape.BatchNorm(batch, channels, plane) : NormShape.GroupNorm(batch, channels, plane, groups);
        GradAssert.Holds(OpCheck(s, statistics, seed));
    }

    [Fact]
    public void A_conv_ae_with_batch_norm_has_exact_whole_model_gradients_in_every_coordinate()
    {
        using var model = new Autoencoder<double>(TestDevice.Cpu, new AutoencoderOptions
        {
            Features = 64, Code = 3, Conv = Small with { Norm = Normalization.Batch }, Activation = Activation.Tanh,
        }, seed: 6);
        GradAssert.WholeModel(model, RandomBatch(3, 64, 7));
        GradAssert.EveryParameterTakesPart(model);
    }

    [Fact]
    public void A_conv_ae_with_group_norm_and_a_conv_vae_with_batch_norm_have_exact_gradients()
    {
        // Eight coordinates of every parameter each: the suite's time is tight, and the ops are checked in full above.
        var sampled = new GradCheckOptions { PerParameter = 8, PlanStep = 4 };
        using (var ae = new Autoencoder<double>(TestDevice.Cpu, new AutoencoderOptions
        {
            Features = 64, Code = 3, Conv = Small with { Norm = Normalization.Group, Groups = 1 }, Activation = Activation.Tanh,
        }, seed: 6))
        {
            GradAssert.Holds(GradCheck.Model(ae, RandomBatch(3, 64, 7), sampled));
            GradAssert.EveryParameterTakesPart(ae);
        }
        using var vae = new Vae<double>(TestDevice.Cpu, new VaeOptions
        {
            Features = 64, Latent = 2, Conv = Small with { Norm = Normalization.Batch }, Activation = Activation.Tanh,
        }, seed: 3);
        GradAssert.Holds(GradCheck.Model(vae, RandomBatch(3, 64, 5), sampled));
    }

    [Fact]
    public void Batch_norm_sits_after_every_convolution_but_the_last_with_pytorch_names_and_starting_values()
    {
        using var model = new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions { Features = 64, Code = 3, Conv = Small with { Norm = Normalization.Batch } });
        var buffers = model.Parameters.Buffers.Select(b => b.Name).ToList();
        Assert.Equal(["encoder.conv.0.norm.running_mean", "encoder.conv.0.norm.running_var", "encoder.conv.1.norm.running_mean",
            "encoder.conv.1.norm.running_var", "decoder.conv.0.norm.running_mean", "decoder.conv.0.norm.running_var"], buffers);
        Assert.DoesNotContain(model.Parameters.Parameters, p => p.Name.StartsWith("decoder.out.norm", StringComparison.Ordinal));
        var values = model.Parameters.InitialValues();
        var gamma = model.Parameters["encoder.conv.1.norm.weight"];
        Assert.All(values.AsSpan((int)gamma.Offset, (int)gamma.Length).ToArray(), v => Assert.Equal(1f, v));
        Assert.Equal([0f, 0f, 1f, 1f], model.Parameters.DownloadBuffers().Take(4));
        Assert.NotNull(model.NotRowSeparable);
        using var grouped = new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions { Features = 64, Code = 3, Conv = Small with { Norm = Normalization.Group, Groups = 1 } });
        Assert.Empty(grouped.Parameters.Buffers);
        Assert.Null(grouped.NotRowSeparable);
    }

    [Fact]
    public void In_evaluation_a_row_does_not_depend_on_its_batch_and_in_training_it_does()
    {
        using var model = new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions { Features = 64, Code = 3, Conv = Small with { Norm = Normalization.Batch } }, seed: 2);
        var a = RandomBatch(2, 64, 1);
        var b = new Batch([.. a.Images.Take(64), .. RandomBatch(1, 64, 9).Images], new byte[2], 2);
        Assert.Equal(model.Infer(a, "code").Take(3), model.Infer(b, "code").Take(3));
        var plan = model.Plan(2, training: true);
        float[] TrainingCode(Batch batch) { model.Feed(plan, batch); plan.Forward(); return plan.Read("code"); }
        Assert.NotEqual(TrainingCode(a).Take(3), TrainingCode(b).Take(3));
    }

    [Fact]
    public void Group_norm_refuses_a_group_count_that_does_not_divide_the_channels()
    {
        var e = Assert.Throws<IlgpuAeException>(() => new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions
        {
            Features = 64, Code = 3, Conv = Small with { Norm = Normalization.Group, Groups = 2 },
        }));
        Assert.Contains("ConvOptions.Groups (2) must divide every channel count of [2,3]", e.Message);
    }

    static readonly AutoencoderOptions Resumable = new()
    {
        Code = 4, Conv = new ConvOptions { Channels = [4, 8], Dense = 16, Norm = Normalization.Batch },
    };
    static readonly DataSplit Data = FashionMnist.LoadEmbedded();

    [Fact]
    public void A_model_file_keeps_the_running_statistics_and_a_resumed_run_is_bit_identical()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-bn-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var train = Data.Train.Slice(0, 128);
            var test = Data.Test.Slice(0, 64);
            (float[] P, float[] B, List<EpochReport> R) Leg(int epochs, string? from, string to)
            {
                Model<float> model;
                var adam = new Adam(3e-3);
                var state = TrainerState.Start;
                if (from is not null)
                {
                    (model, var r) = RunCheckpoint.Load<float>(TestDevice.Cpu, from);
                    adam.Restore(model.Parameters, r.OptimizerState, r.OptimizerSteps);
                    state = r.State;
                }
                else model = new Autoencoder<float>(TestDevice.Cpu, Resumable, seed: 4);
                using var _ = model;
                using var __ = adam;
                using var trainer = new Trainer<float>(model, adam, 32, seed: 4) { State = state };
                var reports = trainer.Run(train, test, epochs, onCheckpoint: s => RunCheckpoint.Save(to, model, adam, s)).ToList();
                return (model.Parameters.Download(), model.Parameters.DownloadBuffers(), reports);
            }
            string straight = Path.Combine(dir, "straight.safetensors"), leg = Path.Combine(dir, "leg.safetensors");
            var whole = Leg(2, null, straight);
            var first = Leg(1, null, leg);
            var second = Leg(2, leg, leg);
            Assert.Equal(whole.P, second.P);
            Assert.Equal(whole.B, second.B);
            Assert.Equal(whole.R.Select(r => r.TestLoss), first.R.Concat(second.R).Select(r => r.TestLoss));
            Assert.NotEqual([0f, 0f, 0f, 0f], whole.B.Take(4)); // the running means moved

            // A plain model file carries them too, under PyTorch's names, and the loaded model evaluates as the saved one.
            string file = Path.Combine(dir, "model.safetensors");
            using var model = RunCheckpoint.Load<float>(TestDevice.Cpu, straight).Model;
            ModelFile.Save(model, file);
            Assert.Contains("encoder.conv.1.norm.running_var", SafeTensors.Read(file).Tensors.Select(t => t.Name));
            using var loaded = ModelFile.Load<float>(TestDevice.Cpu, file);
            Assert.Equal(whole.B, loaded.Parameters.DownloadBuffers());
            var batch = new Batch(test.Images.AsSpan(0, 4 * 784).ToArray(), new byte[4], 4);
            Assert.Equal(model.Infer(batch, "reconstruction"), loaded.Infer(batch, "reconstruction"));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
