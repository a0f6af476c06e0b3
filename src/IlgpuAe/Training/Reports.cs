namespace IlgpuAe.Training;

/// <summary>Loss of a model on a dataset: the objective per image and every named term per image.</summary>
public sealed record Evaluation(double Loss, IReadOnlyDictionary<string, double> Terms, int Count);

/// <summary>What one epoch did, as written to metrics.jsonl.</summary>
public sealed record EpochReport(
    int Epoch,
    double TrainLoss,
    double TestLoss,
    IReadOnlyDictionary<string, double> Terms,
    IReadOnlyDictionary<string, double> TrainTerms,
    double Seconds,
    double SamplesPerSecond,
    long Steps)
{
    /// <summary>One console line: losses, test terms, seconds and images per second.</summary>
    public override string ToString() =>
        $"epoch {Epoch}: train {TrainLoss:F3}  test {TestLoss:F3}  ({string.Join(", ", Terms.Select(t => $"{t.Key} {t.Value:F3}"))})  {Seconds:F1} s, {SamplesPerSecond:F0} img/s";
}
