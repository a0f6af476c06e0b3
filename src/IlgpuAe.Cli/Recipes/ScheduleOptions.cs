using IlgpuAe.Data;

namespace IlgpuAe.Cli.Recipes;

/// <summary>`--beta-schedule` and `--lr-schedule`: the grammar of <see cref="Schedule.Parse"/>, a STEPS or TOTAL left out meaning the whole run.</summary>
public static class ScheduleOptions
{
    public const string Grammar = "V | constant:V | linear:FROM:TO[:STEPS] | warmup:STEPS | cosine:FROM:TO[:STEPS] | cyclical:CYCLES:RATIO[:TOTAL] | "
        + "step:EVERY:GAMMA; a STEPS or TOTAL left out is the whole run";

    /// <summary>The --lr-schedule option of `train`.</summary>
    public static CliOption<string?> LearningRate() => Opt.Text("lr-schedule",
        $"a factor on --lr by step, e.g. warmup:500, cosine:1:0, step:2000:0.5 ({Grammar})", "S");

    /// <summary>The --beta-schedule option of the variational recipes.</summary>
    public static CliOption<string?> Beta() => Opt.Text("beta-schedule",
        $"a factor on --beta by step, e.g. linear:0:1:5000 (a KL warm-up), cyclical:4:0.5 (Fu et al. 2019) ({Grammar})", "S");

    /// <summary>Optimizer steps of a run of <paramref name="epochs"/> epochs over <paramref name="train"/>: what a STEPS or TOTAL left out means.</summary>
    public static long RunSteps(Dataset train, int batch, int epochs, bool keepLastBatch) =>
        Math.Max(1, (keepLastBatch ? (train.Count + batch - 1) / batch : train.Count / batch) * (long)epochs);

    /// <summary>The schedule given as <paramref name="option"/>, complete for a run of <paramref name="runSteps"/> steps; null when absent; UsageException naming the option when it does not parse.</summary>
    public static Schedule? Parse(Args args, CliOption<string?> option, long runSteps)
    {
        string? spec = args.Get(option);
        if (spec is null) return null;
        try
        {
            return Schedule.Parse(spec, runSteps);
        }
        catch (IlgpuAeException e)
        {
            throw new UsageException($"--{option.Key}: {e.Message}");
        }
    }
}
