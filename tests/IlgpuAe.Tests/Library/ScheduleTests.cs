using IlgpuAe.Checkpoints;
using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Training;
using Xunit;

namespace IlgpuAe.Tests.Library;

/// <summary>Loss weights and learning rates that change with the step: the grammar, the values, the plan and the trainer.</summary>
public class ScheduleTests
{
    [Theory]
    [InlineData("linear:0:1:100", 0, 0.0)]
    [InlineData("linear:0:1:100", 25, 0.25)]
    [InlineData("linear:0:1:100", 100, 1.0)]
    [InlineData("linear:0:1:100", 5000, 1.0)]
    [InlineData("warmup:10", 5, 0.5)]
    [InlineData("cosine:1:0:100", 50, 0.5)]
    [InlineData("cosine:1:0:100", 100, 0.0)]
    [InlineData("step:10:0.5", 9, 1.0)]
    [InlineData("step:10:0.5", 25, 0.25)]
    [InlineData("constant:0.3", 7, 0.3)]
    [InlineData("2.5", 7, 2.5)]
    // Fu et al. 2019: 4 cycles of 100 steps over 400, rising over the first half of each.
    [InlineData("cyclical:4:0.5:400", 0, 0.0)]
    [InlineData("cyclical:4:0.5:400", 25, 0.5)]
    [InlineData("cyclical:4:0.5:400", 50, 1.0)]
    [InlineData("cyclical:4:0.5:400", 99, 1.0)]
    [InlineData("cyclical:4:0.5:400", 100, 0.0)]
    [InlineData("cyclical:4:0.5:400", 130, 0.6)]
    public void The_grammar_gives_the_stated_values(string spec, long step, double expected)
    {
        var schedule = Schedule.Parse(spec);
        Assert.Equal(expected, schedule.At(step), 12);
        Assert.Equal(schedule.At(step), Schedule.Parse(schedule.Spec!).At(step));
    }

    [Fact]
    public void A_step_count_left_out_is_the_run_length_and_is_written_out()
    {
        Assert.Equal("cyclical:4:0.5:1000", Schedule.Parse("cyclical:4:0.5", totalSteps: 1000).Spec);
        Assert.Equal("cosine:1:0:300", Schedule.Parse("cosine:1:0", totalSteps: 300).Spec);
        Assert.Contains("left out", Assert.Throws<IlgpuAeException>(() => Schedule.Parse("cyclical:4:0.5")).Message);
    }

    [Theory]
    [InlineData("linar:0:1:10", "is not understood")]
    [InlineData("linear:0:1:ten", "STEPS must be a whole number")]
    [InlineData("linear:0", "takes 2 to 3 values")]
    [InlineData("cyclical:4:1.5:100", "RATIO must be in (0, 1]")]
    [InlineData("cyclical:0:0.5:100", "CYCLES must be at least 1")]
    [InlineData("step:10:0", "GAMMA must be a finite number above 0")]
    [InlineData("linear:0:NaN:10", "TO must be a finite number")]
    [InlineData("warmup:0", "STEPS must be at least 1")]
    public void Bad_grammar_is_one_clear_error_with_the_grammar(string spec, string mentions)
    {
        var e = Assert.Throws<IlgpuAeException>(() => Schedule.Parse(spec, 100));
        Assert.Contains(mentions, e.Message);
        Assert.Contains("linear:FROM:TO[:STEPS]", e.Message);
    }

    static readonly DataSplit Data = FashionMnist.LoadEmbedded();
    static readonly VaeOptions SmallVae = new() { Hidden = [16], Latent = 3 };

    [Fact]
    public void A_scheduled_kl_weight_changes_with_the_step_in_one_compiled_plan()
    {
        using var vae = new Vae<float>(TestDevice.Cpu, SmallVae with { Beta = 2, BetaSchedule = Schedule.Linear(0, 1, 4) });
        using var adam = new Adam(1e-3);
        using var trainer = new Trainer<float>(vae, adam, batch: 32, seed: 1);
        var plan = vae.Plan(32, training: true);
        var images = Data.Train.Images.AsSpan(0, 32 * 784).ToArray();
        var weights = new List<double>();
        for (int s = 0; s < 6; s++)
        {
            trainer.Step(new Batch(images, new byte[32], 32));
            Assert.Same(plan, vae.Plan(32, training: true));
            weights.Add(plan.TermWeights[1]);
            // The objective the plan reports weighs the KL term by the step's weight.
            Assert.Equal(plan.Term("reconstruction") + weights[^1] * plan.Term("kl"), plan.Objective(), 9);
        }
        Assert.Equal([0, 0.5, 1, 1.5, 2, 2], weights);
        Assert.Equal(6, vae.TrainingStep);
        // Evaluation takes the weight at the model's step: beta = 2 after the warm-up.
        var eval = Trainer<float>.Evaluate(vae, Data.Test.Slice(0, 64), 32);
        Assert.Equal(eval.Terms["reconstruction"] + 2 * eval.Terms["kl"], eval.Loss, 9);
    }

    [Fact]
    public void A_learning_rate_schedule_sets_the_rate_of_each_step_from_the_optimizers_own()
    {
        using var model = new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions { Hidden = [8], Code = 2 });
        using var adam = new Adam(1e-2);
        using var trainer = new Trainer<float>(model, adam, batch: 16, seed: 1, new TrainerOptions { LearningRate = Schedule.StepDecay(2, 0.5) });
        var images = Data.Train.Images.AsSpan(0, 16 * 784).ToArray();
        var rates = new List<double>();
        for (int s = 0; s < 5; s++)
        {
            trainer.Step(new Batch(images, new byte[16], 16));
            rates.Add(adam.LearningRate);
        }
        Assert.Equal([1e-2, 1e-2, 5e-3, 5e-3, 2.5e-3], rates);
    }

    [Fact]
    public void A_constant_factor_of_one_trains_the_same_bits_as_no_schedule()
    {
        float[] Train(Schedule? lr, Schedule? beta)
        {
            using var vae = new Vae<float>(TestDevice.Cpu, SmallVae with { BetaSchedule = beta }, seed: 5);
            using var adam = new Adam(1e-3);
            using var trainer = new Trainer<float>(vae, adam, batch: 64, seed: 5, new TrainerOptions { LearningRate = lr });
            trainer.Run(Data.Train.Slice(0, 256), Data.Test.Slice(0, 64), epochs: 1);
            return vae.Parameters.Download();
        }
        Assert.Equal(Train(null, null), Train(Schedule.Constant(1), Schedule.Constant(1)));
    }

    [Fact]
    public void A_function_schedule_trains_but_cannot_be_saved()
    {
        using var vae = new Vae<float>(TestDevice.Cpu, SmallVae with { BetaSchedule = Schedule.Of(step => step < 2 ? 0 : 1) });
        string path = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-function-{Guid.NewGuid():N}.safetensors");
        var e = Assert.Throws<IlgpuAeException>(() => ModelFile.Save(vae, path));
        Assert.Contains("Schedule.Of(function) cannot be saved", e.Message);
        Assert.False(File.Exists(path));
    }
}
