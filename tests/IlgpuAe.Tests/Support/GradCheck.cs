using IlgpuAe.Graph;
using IlgpuAe.Models;
using Xunit;

namespace IlgpuAe.Tests.Support;

/// <summary>
/// Backward against central finite differences, in double. The error of one coordinate is
/// |analytic - numeric| / max(|analytic| + |numeric|, 1e-2): relative for gradients of ordinary
/// size, absolute (scaled by 100) for gradients near zero, where a relative error means nothing.
/// </summary>
public static class GradCheck
{
    public const double Step = 1e-5; // roundoff ~1e-16·|f|/h and truncation ~h²·f''' both stay far below the tolerance
    public const double Tolerance = 1e-6;

    public sealed record Result(double MaxError, string Worst, int Checked);

    /// <summary>
    /// <paramref name="run"/> must feed the inputs and run the forward pass; the objective is
    /// read from the plan. At most <paramref name="perParameter"/> coordinates per parameter are probed.
    /// </summary>
    public static Result Check(Plan<double> plan, Action run, int perParameter = 24, int seed = 7)
    {
        var store = plan.Parameters;
        run();
        plan.Backward();
        var analytic = store.DownloadGrads();
        var values = store.Download();
        var rng = new Random(seed);
        double worst = 0;
        string where = "";
        int count = 0;
        foreach (var p in store.Parameters)
        {
            var coords = Enumerable.Range(0, (int)p.Length).OrderBy(_ => rng.Next()).Take(perParameter);
            foreach (int c in coords)
            {
                long i = p.Offset + c;
                double saved = values[i];
                values[i] = saved + Step;
                store.Upload(values);
                run();
                double up = plan.Objective();
                values[i] = saved - Step;
                store.Upload(values);
                run();
                double down = plan.Objective();
                values[i] = saved;
                double numeric = (up - down) / (2 * Step);
                double error = Math.Abs(analytic[i] - numeric) / Math.Max(Math.Abs(analytic[i]) + Math.Abs(numeric), 1e-2);
                if (error > worst)
                {
                    worst = error;
                    where = $"{p.Name}[{c}]: analytic {analytic[i]:G10}, numeric {numeric:G10}";
                }
                count++;
            }
        }
        store.Upload(values);
        return new Result(worst, where, count);
    }

    /// <summary>
    /// The whole loss of a model on one batch: every coordinate of every parameter against finite
    /// differences, at a fixed step (so that random draws are held fixed). Returns the plan for further checks.
    /// </summary>
    public static Plan<double> AssertWholeModel(Model<double> model, Batch batch, ulong step = 0)
    {
        var plan = model.Plan(batch.Rows, training: true);
        plan.Step = step;
        var result = Check(plan, () => { model.Feed(plan, batch); plan.Forward(); }, perParameter: 1000);
        Assert.Equal((int)model.Parameters.Count, result.Checked);
        Assert.True(result.MaxError < Tolerance, $"max error {result.MaxError:E2} at {result.Worst}");
        return plan;
    }

    /// <summary>Every declared parameter received a non-zero gradient in the last backward pass (none sits unused in the checkpoint).</summary>
    public static void AssertEveryParameterTakesPart<T>(Model<T> model) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var grads = model.Parameters.DownloadGrads();
        foreach (var p in model.Parameters.Parameters)
            Assert.True(grads.AsSpan((int)p.Offset, (int)p.Length).ToArray().Any(g => g != T.Zero), $"{p.Name} gets no gradient");
    }
}
