using ILGPU;
using ILGPU.Runtime;
using IlgpuAe.Data;
using IlgpuAe.Graph;
using IlgpuAe.Models;
using IlgpuAe.Ops;
using IlgpuAe.Optim;
using IlgpuAe.Tests.Support;
using IlgpuAe.Training;
using Xunit;
using static IlgpuAe.Tests.Support.TestBatches;

namespace IlgpuAe.Tests.Regularized;

/// <summary>The denoising autoencoder: corruption inside the graph, reproducible per (seed, step), loss against the clean x.</summary>
public class DenoisingTests
{
    static DenoisingAutoencoder<double> Small(Corruption noise, ulong seed = 3) =>
        new(TestDevice.Cpu, new DenoisingOptions
        {
            Autoencoder = new AutoencoderOptions { Features = 12, Hidden = [7], Code = 3, Activation = IlgpuAe.Activation.Tanh },
            Noise = noise,
        }, seed);

    public static TheoryData<NoiseKind, double> Noises() => new()
    {
        { NoiseKind.Gaussian, 0.3 },
        { NoiseKind.Mask, 0.3 },
        { NoiseKind.SaltPepper, 0.3 },
    };

    [Theory, MemberData(nameof(Noises))]
    public void Whole_loss_gradient_matches_finite_differences_for_every_parameter(NoiseKind kind, double level)
    {
        using var model = Small(new Corruption(kind, level));
        var batch = RandomBatch(5, 12, 11);
        // any step: the corruption is fixed for a fixed step, so the objective is a function of the parameters
        GradAssert.WholeModel(model, batch, step: 17);
    }

    [Theory, MemberData(nameof(Noises))]
    public void The_corruption_is_redrawn_each_step_and_repeats_for_the_same_seed_and_step(NoiseKind kind, double level)
    {
        var batch = RandomBatch(8, 12, 5);
        using var a = Small(new Corruption(kind, level), seed: 4);
        using var b = Small(new Corruption(kind, level), seed: 4);
        using var other = Small(new Corruption(kind, level), seed: 5);
        var first = a.Infer(batch, "corrupted", step: 1);
        Assert.Equal(first, b.Infer(batch, "corrupted", step: 1));
        Assert.NotEqual(first, a.Infer(batch, "corrupted", step: 2));
        Assert.NotEqual(first, other.Infer(batch, "corrupted", step: 1));
        Assert.NotEqual(batch.Images, first.Select(v => (float)v).ToArray());
    }

    [Fact]
    public void Corruption_passes_no_gradient_to_its_input()
    {
        using var store = new ParameterStore<double>(TestDevice.Cpu, 1);
        var p = store.Add("p", 3, 4, Init.Zeros);
        store.Materialize();
        store.Upload(Enumerable.Range(0, 12).Select(i => 0.1 * i + 0.05).ToArray());
        var g = new GraphBuilder<double>(store, 3, training: true);
        var node = g.Param(p);
        // p reaches the loss twice: directly (gradient 2p) and through the corruption (nothing). The
        // corrupted branch is recorded last, so its op is the first gradient writer of p: it must zero.
        var direct = g.SumOfSquares(node);
        g.Loss("objective", g.Add(direct, g.SumOfSquares(g.Corrupt(node, new Corruption(NoiseKind.Gaussian, 0.5)))));
        using var plan = g.Compile();
        store.Grads.CopyFromCPU(Enumerable.Repeat(double.NaN, 12).ToArray());
        plan.Forward();
        plan.Backward();
        Assert.Equal(store.Download().Select(v => 2 * v), store.DownloadGrads(), new ToleranceComparer(1e-12));
    }

    [Theory]
    [InlineData(NoiseKind.Gaussian, 0.0, "Corruption.Level must be a standard deviation greater than 0 for gaussian noise, got 0", "--sigma")]
    [InlineData(NoiseKind.Gaussian, -1.0, "Corruption.Level must be a standard deviation greater than 0 for gaussian noise, got -1", "--sigma")]
    [InlineData(NoiseKind.Gaussian, double.PositiveInfinity, "greater than 0 for gaussian noise", "--sigma")]
    [InlineData(NoiseKind.Mask, 1.5, "Corruption.Level must be a probability in [0, 1] for mask noise, got 1.5", "--p")]
    [InlineData(NoiseKind.SaltPepper, -0.1, "Corruption.Level must be a probability in [0, 1] for saltpepper noise, got -0.1", "--p")]
    public void A_meaningless_noise_level_is_refused_naming_the_property_which_the_CLI_maps_to_its_flag(NoiseKind kind, double level, string mentions, string flag)
    {
        var e = Assert.Throws<IlgpuAeException>(() => Small(new Corruption(kind, level)));
        Assert.Contains(mentions, e.Message);
        Assert.Equal("Corruption.Level", e.Option);
        Assert.DoesNotContain("--", e.Message); // the library speaks of properties, not of a command line
        Assert.Equal(e.Message.Replace("Corruption.Level", flag), IlgpuAe.Cli.Recipes.OptionFlags.Map(e));
    }

    [Fact]
    public void One_epoch_on_a_small_slice_cuts_the_denoising_loss_by_at_least_30_percent()
    {
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 1024);
        var test = data.Test.Slice(0, 256);
        using var model = new DenoisingAutoencoder<float>(TestDevice.Cpu, new DenoisingOptions
        {
            Autoencoder = new AutoencoderOptions { Hidden = [64], Code = 16 },
            Noise = new Corruption(NoiseKind.Mask, 0.25),
        }, seed: 1);
        using var adam = new Adam(2e-3);
        double before = Trainer<float>.Evaluate(model, test, 128).Terms["reconstruction"];
        var report = new Trainer<float>(model, adam, 32, seed: 1).Run(train, test, epochs: 1).Single();
        double after = report.Terms["reconstruction"];
        Assert.True(after <= 0.7 * before, $"denoising loss went from {before:F1} to {after:F1} per image");
    }
}

/// <summary>Equality within an absolute tolerance, for sequence assertions.</summary>
sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
{
    public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;
    public int GetHashCode(double v) => 0;
}
