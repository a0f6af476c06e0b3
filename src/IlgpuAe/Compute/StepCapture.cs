namespace IlgpuAe.Compute;

/// <summary>Launches recorded once and replayed as one unit (a CUDA graph).</summary>
public interface IReplay : IDisposable
{
    /// <summary>Queues one replay of the recorded launches (asynchronous, like a kernel launch).</summary>
    void Launch();
}

/// <summary>
/// How the trainer's `--cuda-graph` path turns the launches of a training step into an <see cref="IReplay"/>:
/// <see cref="CudaGraphCapture"/> by default. The work it is given makes no upload and no read: a replay repeats its
/// launches with the arguments they had, and the values that change per step are in device memory, uploaded before.
/// </summary>
public interface IStepCapture
{
    /// <summary>Records the launches <paramref name="work"/> makes on <paramref name="device"/>; <see cref="IlgpuAeException"/> when it cannot.</summary>
    IReplay Capture(Device device, Action work);
}

/// <summary>Capture as a CUDA graph through the driver API (<see cref="CudaGraph.Capture(Device, Action, ICudaGraphDriver?)"/>).</summary>
/// <param name="driver">The driver (null: the machine's libcuda).</param>
public sealed class CudaGraphCapture(ICudaGraphDriver? driver = null) : IStepCapture
{
    /// <inheritdoc/>
    public IReplay Capture(Device device, Action work) => CudaGraph.Capture(device, work, driver);
}
