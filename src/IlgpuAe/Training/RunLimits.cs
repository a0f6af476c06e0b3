namespace IlgpuAe.Training;

/// <summary>
/// The bounds a run's numbers must respect wherever they come from (a command line, a checkpoint's metadata, a model
/// file's): one set of rules for training, resuming and evaluating.
/// </summary>
public static class RunLimits
{
    /// <summary>Largest batch size (rows per step).</summary>
    public const int MaxBatch = 1 << 20;

    /// <summary>Most epochs one run may ask for.</summary>
    public const int MaxEpochs = 100_000;

    /// <summary>Largest image width or height.</summary>
    public const int MaxImageSide = 1 << 16;

    /// <summary>Most parameters one model may hold: the flat buffers are indexed with 32-bit offsets.</summary>
    public const long MaxParameters = int.MaxValue;
}
