namespace IlgpuAe;

/// <summary>Which accelerator family to run on. Auto prefers CUDA, then a usable OpenCL device, then the CPU.</summary>
public enum Backend { Auto, Cuda, OpenCL, Cpu }

/// <summary>A failure the user can act on: bad input, a missing device, a bad option. The CLI prints its message alone.</summary>
public class IlgpuAeException : Exception
{
    public IlgpuAeException(string message) : base(message) { }
    public IlgpuAeException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Parsing of backend names as the CLI spells them.</summary>
public static class BackendNames
{
    public static Backend Parse(string name) => name.ToLowerInvariant() switch
    {
        "auto" => Backend.Auto,
        "cuda" => Backend.Cuda,
        "opencl" => Backend.OpenCL,
        "cpu" => Backend.Cpu,
        _ => throw new IlgpuAeException($"unknown backend '{name}': expected one of auto, cuda, opencl, cpu"),
    };
}
