namespace IlgpuAe;

/// <summary>Which accelerator family to run on. Auto prefers CUDA, then a usable OpenCL device, then the CPU.</summary>
public enum Backend
{
    /// <summary>CUDA if present, else a usable OpenCL device, else the CPU.</summary>
    Auto,
    /// <summary>An NVIDIA GPU through CUDA.</summary>
    Cuda,
    /// <summary>An OpenCL device supporting OpenCL C 2.0 or later.</summary>
    OpenCL,
    /// <summary>ILGPU's CPU accelerator (always available).</summary>
    Cpu,
}

/// <summary>Parsing of backend names as the CLI spells them.</summary>
public static class BackendNames
{
    /// <summary>"auto", "cuda", "opencl" or "cpu", any case; <see cref="IlgpuAeException"/> otherwise.</summary>
    public static Backend Parse(string name) => name.ToLowerInvariant() switch
    {
        "auto" => Backend.Auto,
        "cuda" => Backend.Cuda,
        "opencl" => Backend.OpenCL,
        "cpu" => Backend.Cpu,
        _ => throw new IlgpuAeException($"unknown backend '{name}': expected one of auto, cuda, opencl, cpu"),
    };
}
