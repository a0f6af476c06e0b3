namespace IlgpuAe.Cli;

/// <summary>
/// `--cuda-graph` of train and bench: never on by default (CUDA graphs have not been measured on a GPU here). It needs the
/// CUDA backend: named another backend it is a usage error (exit 2). When auto resolves to another, bench stops with an
/// error (exit 1) and train warns once and trains uncaptured (as it does when the capture itself fails).
/// </summary>
public static class CudaGraphOption
{
    /// <summary>The flag's help text for <paramref name="what"/>.</summary>
    public static CliOption<bool> Flag(string what) => Opt.Flag("cuda-graph", what);

    /// <summary>Before the device opens: a named backend that is not CUDA cannot capture.</summary>
    public static void CheckRequested(bool on, Backend requested)
    {
        if (on && requested is not (Backend.Cuda or Backend.Auto))
            throw new UsageException($"--cuda-graph needs the CUDA backend (--backend cuda); --backend {Device.BackendName(requested)} has no CUDA graphs");
    }

    /// <summary>Once the device is open: auto may have found no CUDA device.</summary>
    public static void CheckOpened(bool on, Device device)
    {
        if (on && device.Backend != Backend.Cuda)
            throw new IlgpuAeException($"--cuda-graph needs the CUDA backend, and this machine's device is {device.Name} ({Device.BackendName(device.Backend)}): " +
                "run without --cuda-graph, or on a machine with an NVIDIA GPU and driver");
    }
}
