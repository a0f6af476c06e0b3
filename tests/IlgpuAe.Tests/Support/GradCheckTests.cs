using IlgpuAe.Kernels;
using IlgpuAe.Models;
using IlgpuAe.Testing;
using Xunit;
using static IlgpuAe.Tests.Support.TestBatches;

namespace IlgpuAe.Tests.Support;

/// <summary>The shipped gradient checker itself: what it measures, what it reports, what it refuses.</summary>
public class GradCheckTests
{
    static Autoencoder<double> SmallAe() =>
        new(TestDevice.Cpu, new AutoencoderOptions { Features = 10, Hidden = [6], Code = 3, Activation = Activation.Tanh }, seed: 2);

    [Fact]
    public void A_model_check_reports_every_parameter_by_name_and_leaves_the_values_bit_identical()
    {
        using var model = SmallAe();
        var before = model.Parameters.Download();
        var report = GradCheck.Model(model, RandomBatch(4, 10, 3));
        Assert.True(report.Passed, report.ToString());
        Assert.Equal(model.Parameters.Parameters.Select(p => p.Name), report.Parameters.Select(p => p.Name));
        Assert.Equal((int)model.Parameters.Count, report.Checked);
        Assert.All(report.Parameters, p => Assert.InRange(p.MaxError, 0, report.Tolerance));
        Assert.Equal(report.Parameters.Max(p => p.MaxError), report.MaxError);
        Assert.Equal(report.Parameters[0].MaxError, report["encoder.0.weight"]);
        Assert.Equal(before, model.Parameters.Download());
    }

    [Fact]
    public void A_sampled_check_probes_at_most_the_asked_number_of_coordinates_per_parameter()
    {
        using var model = SmallAe();
        var report = GradCheck.Model(model, RandomBatch(4, 10, 3), new GradCheckOptions { PerParameter = 4 });
        Assert.True(report.Passed, report.ToString());
        Assert.Equal(model.Parameters.Parameters.Select(p => (int)Math.Min(4, p.Length)), report.Parameters.Select(p => p.Checked));
    }

    [Fact]
    public void The_error_is_relative_above_the_floor_absolute_below_it_and_infinite_for_nan()
    {
        Assert.Equal(0.5, GradCheck.Error(1, 3), 15);
        Assert.Equal(1e-4 / 1e-2, GradCheck.Error(1e-4, 0), 15);
        Assert.Equal(double.PositiveInfinity, GradCheck.Error(double.NaN, 1));
        Assert.Equal(double.PositiveInfinity, GradCheck.Error(1, double.PositiveInfinity));
    }

    [Fact]
    public void A_nan_gradient_fails_the_check_instead_of_slipping_under_the_tolerance()
    {
        // (1e308)³ overflows: the objective is ±∞, the difference ∞ − ∞ is NaN, and NaN must not compare as "small".
        var nan = GradCheck.Op(TestDevice.Cpu, [new OpInput(1, 1, [1e308])], (g, p) => g.Add(new CubeOp<double>(p[0]), 1, 1));
        Assert.False(nan.Passed);
        Assert.Equal(double.PositiveInfinity, nan.MaxError);
        Assert.Contains("FAILED", nan.ToString());
    }

    [Fact]
    public void Bad_options_and_an_evaluation_plan_are_refused_with_a_clear_error()
    {
        using var model = SmallAe();
        var batch = RandomBatch(2, 10, 1);
        Assert.Contains("GradCheckOptions.Step", Assert.Throws<IlgpuAeException>(() => GradCheck.Model(model, batch, new GradCheckOptions { Step = 0 })).Message);
        Assert.Contains("GradCheckOptions.PerParameter", Assert.Throws<IlgpuAeException>(() => GradCheck.Model(model, batch, new GradCheckOptions { PerParameter = 0 })).Message);
        var eval = model.Plan(2, training: false);
        Assert.Contains("training plan", Assert.Throws<IlgpuAeException>(() => GradCheck.Plan(eval, eval.Forward)).Message);
        Assert.Contains("at least one input", Assert.Throws<IlgpuAeException>(() => GradCheck.Op(TestDevice.Cpu, [], (g, p) => p[0])).Message);
        Assert.Contains("needs 6 values", Assert.Throws<IlgpuAeException>(() => new OpInput(2, 3, [1.0])).Message);
    }

    [Fact]
    public void Forward_returns_the_ops_value_for_comparison_with_a_reference()
    {
        OpInput[] x = [new OpInput(2, 2, [1, -2, 0.5, 3])];
        Assert.Equal([1, -8, 0.125, 27], GradCheck.Forward(TestDevice.Cpu, x, (g, p) => g.Add(new CubeOp<double>(p[0]), 2, 2)));
    }
}
