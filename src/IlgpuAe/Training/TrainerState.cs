namespace IlgpuAe.Training;

/// <summary>
/// Where a run stands: the next batch to train (epoch from 1, batch from 0 within the epoch's
/// seeded order), the optimizer steps taken, and the running loss-term sums of the epoch so far.
/// Together with the parameters and optimizer state it resumes a run exactly.
/// </summary>
/// <param name="Epoch">The epoch of the next batch, from 1.</param>
/// <param name="Batch">The next batch within the epoch's seeded order, from 0.</param>
/// <param name="Steps">Optimizer steps taken so far in the run.</param>
/// <param name="TermSums">Running sums of the loss terms over the epoch's batches so far, in term order (empty at an epoch's start).</param>
public sealed record TrainerState(int Epoch, int Batch, long Steps, double[] TermSums)
{
    /// <summary>A fresh run: epoch 1, batch 0, no steps, no sums.</summary>
    public static TrainerState Start => new(1, 0, 0, []);
}

/// <summary>A NaN or infinity appeared; the parameters are those before the failing step.</summary>
/// <param name="message">What was not finite, for the user.</param>
/// <param name="step">The failing step (<see cref="Step"/>).</param>
/// <param name="culprit">The loss term or "gradient" (<see cref="Culprit"/>).</param>
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

    /// <summary>
    /// Check every step that the loss terms and the gradient norm are finite. The check runs on the device and shuts the
    /// parameters' update gate at the first step that is not; the host reads it every <see cref="GuardEvery"/> steps.
    /// </summary>
    public bool Guard { get; init; } = true;

    /// <summary>
    /// Steps between two reads of the device guard (0, the default: 1 on the <see cref="StepPath.Host"/> path, where a read
    /// costs little and a divergence stops before the optimizer step as it happens; <see cref="Trainer{T}.DeviceGuardEvery"/>
    /// on the <see cref="StepPath.Device"/> path). The run also reads it before each checkpoint and at each epoch's end, and
    /// reports the first step that diverged, with the parameters as they were before it, whatever the interval.
    /// </summary>
    public int GuardEvery { get; init; }

    /// <summary>How a step talks to the host (<see cref="StepPath.Auto"/>: the host path on the CPU accelerator, the device path elsewhere).</summary>
    public StepPath Path { get; init; }

    /// <summary>Call the checkpoint hook every this many steps (0: only at the end of each epoch).</summary>
    public int CheckpointEvery { get; init; }

    /// <summary>
    /// Train the short last batch of each epoch too (count mod batch rows, through a plan of that size), as PyTorch's
    /// DataLoader does by default (drop_last=False); false (the default) drops it, so every step sees a full batch.
    /// </summary>
    public bool KeepLastBatch { get; init; }

    /// <summary>
    /// A factor on the optimizer's learning rate by step (<see cref="Schedule.Warmup"/>, <see cref="Schedule.Cosine"/>,
    /// <see cref="Schedule.StepDecay"/>, ...): before each step the rate is the optimizer's own times the factor at the
    /// run's step. Null (the default) leaves the rate alone. Save it with the run (<c>RunCheckpoint.Save(..., learningRate:)</c>)
    /// to resume exactly.
    /// </summary>
    public Schedule? LearningRate { get; init; }

    /// <summary>
    /// Data-parallel training (null: one process): this trainer is one rank of several, each training its share of every
    /// batch of <see cref="Trainer{T}.BatchSize"/> rows; the gradients are summed after backward, and only rank 0 calls the
    /// epoch, batch and checkpoint hooks.
    /// </summary>
    public Distributed.IDataParallel? Parallel { get; init; }

    /// <summary>With <see cref="Parallel"/>: compare a hash of the parameters over the ranks after every step, not only at each epoch's end.</summary>
    public bool VerifyReplicas { get; init; }

    /// <summary>
    /// Capture one steady-state step of the full batch (after <see cref="Trainer{T}.CaptureWarmUp"/> uncaptured ones) as a
    /// CUDA graph and replay it for every later full batch: the batch and the step's values (step count, learning rate, bias
    /// corrections, term weights, the guard's position) are uploaded before each replay, the graph holds every launch of
    /// forward, backward, guard and optimizer. Where it cannot (not CUDA, data parallel, an optimizer that is not
    /// <see cref="Optim.Optimizer.CaptureReady"/>, a capture the driver refuses) the run goes on uncaptured after one
    /// <see cref="OnWarning"/>. Off by default: not measured on a GPU.
    /// </summary>
    public bool CudaGraph { get; init; }

    /// <summary>How <see cref="CudaGraph"/> captures a step (null: <see cref="Compute.CudaGraphCapture"/>, CUDA only).</summary>
    public Compute.IStepCapture? StepCapture { get; init; }

    /// <summary>Receives the run's warnings (why <see cref="CudaGraph"/> runs uncaptured); null drops them.</summary>
    public Action<string>? OnWarning { get; init; }
}

/// <summary>How a training step talks to the host.</summary>
public enum StepPath
{
    /// <summary>The host path on ILGPU's CPU accelerator, the device path on a GPU.</summary>
    Auto,
    /// <summary>The guard's flag read before every optimizer step (one small read per step, as good as free on the CPU accelerator).</summary>
    Host,
    /// <summary>
    /// No host round trip in a steady-state step: the guard's flag read every <see cref="TrainerOptions.GuardEvery"/> steps
    /// (<see cref="Trainer{T}.DeviceGuardEvery"/> by default). Either path stages inputs in page-locked double buffers and
    /// queues their copy without waiting (<see cref="Graph.Plan{T}.StagedUploads"/>).
    /// </summary>
    Device,
}
