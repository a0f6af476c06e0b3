namespace IlgpuAe.Training;

/// <summary>
/// Where a run stands: the next batch to train (epoch from 1, batch from 0 within the epoch's
/// seeded order), the optimizer steps taken, and the running loss-term sums of the epoch so far.
/// Together with the parameters and optimizer state it resumes a run exactly.
/// </summary>
public sealed record TrainerState(int Epoch, int Batch, long Steps, double[] TermSums)
{
    /// <summary>A fresh run: epoch 1, batch 0, no steps, no sums.</summary>
    public static TrainerState Start => new(1, 0, 0, []);
}

/// <summary>A NaN or infinity appeared; the parameters are those before the failing step.</summary>
public sealed class DivergenceException(string message, long step, string culprit) : IlgpuAeException(message)
{
    /// <summary>The optimizer step that produced the non-finite value.</summary>
    public long Step { get; } = step;

    /// <summary>The loss term, or "gradient", that was not finite.</summary>
    public string Culprit { get; } = culprit;
}

/// <summary>Optional behaviour of a training run.</summary>
public sealed record TrainerOptions
{
    /// <summary>Clip the global gradient norm to this value (none when null).</summary>
    public double? ClipGrad { get; init; }

    /// <summary>Check every step that the loss terms and the gradient norm are finite (one small read per step).</summary>
    public bool Guard { get; init; } = true;

    /// <summary>Call the checkpoint hook every this many steps (0: only at the end of each epoch).</summary>
    public int CheckpointEvery { get; init; }
}
