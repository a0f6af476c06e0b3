using IlgpuAe.Data;

namespace IlgpuAe.Cli.Recipes;

/// <summary>`--beta-schedule` and `--lr-schedule`: the grammar of <see cref="Schedule.Parse"/>, a STEPS or TOTAL left out meaning the whole run.</summary>
public static class ScheduleOptions
{
    public const string Help = """
          --lr-schedule S             a factor on --lr by step (grammar below; default none)
        schedules (--lr-schedule; --beta-schedule of vae and cvae, a factor on --beta): V | constant:V |
          linear:FROM:TO[:STEPS] | warmup:STEPS | cosine:FROM:TO[:STEPS] | cyclical:CYCLES:RATIO[:TOTAL] | step:EVERY:GAMMA
          (STEPS/TOTAL left out: the whole run, --epochs times the batches of an epoch), e.g. --beta-schedule linear:0:1:5000,
          --beta-schedule cyclical:4:0.5 (Fu et al. 2019), --lr-schedule cosine:1:0, --lr-schedule step:2000:0.5
        """;

    /// <summary>The schedule given as --<paramref name="option"/>, complete for this run; null when absent; UsageException naming the option when it does not parse.</summary>
    public static Schedule? Parse(Args args, string option, Dataset train)
    {
        string? spec = args.String(option);
        if (spec is null) return null;
        int batch = Math.Max(1, args.Int("batch", 128, 1, 1 << 20));
        long perEpoch = args.Has("keep-last-batch") ? (train.Count + batch - 1) / batch : train.Count / batch;
        long total = Math.Max(1, perEpoch * args.Int("epochs", 5, 0, 100_000));
        try
        {
            return Schedule.Parse(spec, total);
        }
        catch (IlgpuAeException e)
        {
            throw new UsageException($"--{option}: {e.Message}");
        }
    }
}
