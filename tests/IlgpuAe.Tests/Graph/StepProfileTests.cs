using IlgpuAe.Graph;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Training;
using Xunit;

namespace IlgpuAe.Tests.Graph;

/// <summary>The opt-in step profile: off by default, changes no result, and counts every launch of a step.</summary>
public class StepProfileTests
{
    static Batch Batch(int rows, int features) =>
        new(Enumerable.Range(0, rows * features).Select(i => (i % 7) / 7f).ToArray(), new byte[rows], rows);

    static (float[] Parameters, StepProfile? Profile) Train(bool profiled, int steps, bool fuseLossGradients = true)
    {
        using var model = new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions { Features = 20, Hidden = [8], Code = 3 });
        using var adam = new Adam();
        using var trainer = new Trainer<float>(model, adam, 4, 1);
        var plan = model.Plan(4, training: true);
        plan.FuseLossGradients = fuseLossGradients;
        Assert.Null(plan.Profile);
        var profile = profiled ? new StepProfile() : null;
        plan.Profile = profile;
        for (int i = 0; i < steps; i++) trainer.Step(Batch(4, 20));
        return (model.Parameters.Download(), profile);
    }

    [Fact]
    public void A_profiled_step_computes_what_a_plain_step_computes()
    {
        var plain = Train(profiled: false, steps: 3);
        var profiled = Train(profiled: true, steps: 3);
        Assert.Equal(plain.Parameters, profiled.Parameters);
    }

    [Theory]
    [InlineData(false, 1 + 1 + 2 + 3 + 2 + 2)]
    [InlineData(true, 2 + 3 + 2 + 2)] // BCE's gradient rides in its forward launch: no seed, no BCE backward launch
    public void The_profile_counts_every_launch_of_a_step_by_phase(bool fuseLossGradients, int backward)
    {
        var profile = Train(profiled: true, steps: 2, fuseLossGradients).Profile!;
        Assert.Equal(2, profile.Steps);
        var byPhase = profile.Rows.GroupBy(r => r.Phase).ToDictionary(g => g.Key, g => g.Sum(r => r.Launches));
        // 784-style AE with one hidden layer: 4 Linear GEMMs + BCE (rows, fold) + term sums forward;
        // seed + BCE gradient + 4 layers (dX, dW with db in the same launch, and f' before the two ReLU layers, no dX for the
        // input) backward.
        Assert.Equal(7, byPhase["forward"]);
        Assert.Equal(backward, byPhase["backward"]);
        Assert.Equal(2 + 1, byPhase["guard"]); // the squared gradient norm (2), the device's finite check (1)
        Assert.Equal(1, byPhase["optimizer"]);
        Assert.Equal(0, byPhase["feed"]);
        Assert.Equal(profile.Rows.Sum(r => r.Launches), profile.KernelLaunches.Values.Sum());
        Assert.All(profile.Rows, r => Assert.True(r.Milliseconds > 0, $"{r.Phase} {r.Name} has no time"));
        Assert.Contains(profile.Rows, r => r.Phase == "forward" && r.Name.Contains("linear encoder.0.weight", StringComparison.Ordinal));
        string table = profile.Format();
        Assert.Contains("(subtotal)", table);
        Assert.Contains("GemmKernels.CpuSimd<ReluAct>", table);
    }
}
