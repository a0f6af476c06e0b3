using System.Numerics;

namespace IlgpuAe.Compute;

/// <summary>
/// When a family's launcher takes its CPU-accelerator body (the float kernels of <c>X.Cpu.cs</c>, which run .NET SIMD
/// code where the generic kernels run at a few percent of a memory copy) instead of its generic kernel.
/// </summary>
static class CpuBody
{
    /// <summary>The CPU accelerator and T = float.</summary>
    public static bool Applies<T>(Device device) where T : unmanaged, IFloatingPointIeee754<T> =>
        device.IsCpu && typeof(T) == typeof(float);

    /// <summary>A T argument as the float the CPU body takes (exact where <see cref="Applies{T}"/>).</summary>
    public static float F<T>(T v) where T : unmanaged, IFloatingPointIeee754<T> => float.CreateTruncating(v);
}
