using IlgpuAe.Graph;
using IlgpuAe.Models;
using IlgpuAe.Testing;
using Xunit;

namespace IlgpuAe.Tests.Support;

/// <summary>xunit assertions over the shipped <see cref="GradCheck"/>: the report's own line is the failure message.</summary>
static class GradAssert
{
    public static void Holds(GradCheckReport report) => Assert.True(report.Passed, report.ToString());

    /// <summary>
    /// The whole loss of a model on one batch: every coordinate of every parameter against finite differences, at a
    /// fixed step (so that random draws are held fixed). Returns the model's training plan for further checks.
    /// </summary>
    public static Plan<double> WholeModel(Model<double> model, Batch batch, ulong step = 0)
    {
        var report = GradCheck.Model(model, batch, new GradCheckOptions { PlanStep = step });
        Assert.Equal((int)model.Parameters.Count, report.Checked);
        Holds(report);
        return model.Plan(batch.Rows, training: true);
    }

    /// <summary>Every declared parameter received a non-zero gradient in the last backward pass (none sits unused in the checkpoint).</summary>
    public static void EveryParameterTakesPart<T>(Model<T> model) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        Assert.Empty(GradCheck.ParametersWithoutGradient(model.Parameters));

    /// <summary>|expected − actual| ≤ relative·max(1, |expected|).</summary>
    public static void Close(double expected, double actual, double relative = 1e-12, string what = "") =>
        Assert.True(Math.Abs(expected - actual) <= relative * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected:R}, got {actual:R}");
}
