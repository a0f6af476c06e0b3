namespace IlgpuAe.Training;

/// <summary>Loss of a model on a dataset: the objective per image and every named term per image.</summary>
/// <param name="Loss">The objective Σ weight·term, per image.</param>
/// <param name="Terms">Every named loss term per image, weight-0 statistics included.</param>
/// <param name="Count">Images evaluated.</param>
public sealed record Evaluation(double Loss, IReadOnlyDictionary<string, double> Terms, int Count);

/// <summary>What one epoch did, as written to metrics.jsonl.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="TrainLoss">The objective per image averaged over the epoch's training batches.</param>
/// <param name="TestLoss">The objective per image on the test set after the epoch.</param>
/// <param name="Terms">Every named term per image on the test set.</param>
/// <param name="TrainTerms">Every named term per image averaged over the training batches.</param>
/// <param name="Seconds">Wall time of the epoch's training steps, device work included (evaluation excluded).</param>
/// <param name="SamplesPerSecond">Training images per second over the epoch.</param>
/// <param name="Steps">Optimizer steps taken in the run so far.</param>
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
