namespace IlgpuAe.Perf;

/// <summary>
/// Whether this machine has a usable CUDA device, asked once. The CUDA benchmarks and the CUDA rows of the
/// train-step benchmarks exist only where it does; elsewhere <see cref="Program"/> says they were left out and why.
/// </summary>
public static class CudaProbe
{
    static readonly Lazy<string?> WhyNot = new(() =>
    {
        try
        {
            var cuda = Device.List(Backend.Cuda).Where(r => r.Backend == Backend.Cuda).ToList();
            if (cuda.Count == 0) return "no CUDA device found on this machine";
            return cuda.Any(r => r.Usable) ? null : string.Join("; ", cuda.Select(r => $"{r.Name}: {r.WhyNot}"));
        }
        catch (Exception e) when (e is IlgpuAeException or DllNotFoundException or TypeInitializationException)
        {
            return $"CUDA could not be probed: {e.Message}";
        }
    });

    /// <summary>True where a CUDA device can be opened.</summary>
    public static bool Available => WhyNot.Value is null;

    /// <summary>The Backend parameter of every benchmark: "cpu" always, "cuda" too where a CUDA device is found.</summary>
    public static IEnumerable<string> Backends => Available ? ["cpu", "cuda"] : ["cpu"];

    /// <summary>Why CUDA is not available (null when it is).</summary>
    public static string? Reason => WhyNot.Value;
}
