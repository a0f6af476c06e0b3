using IlgpuAe.Graph;

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
}
