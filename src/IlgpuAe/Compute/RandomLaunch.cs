using System.Numerics;
using ILGPU;
using IlgpuAe.Kernels;
using static IlgpuAe.Compute.CpuBody;

namespace IlgpuAe.Compute;

/// <summary>Launches of the random fills: the float CPU body of the normal fill on the CPU accelerator, else the generic kernel (the same bits).</summary>
public static class RandomLaunch
{
    /// <summary>y = mean + std·N(0, 1) from Philox(seed, stream, first + element); <paramref name="first"/> is the index of y[0] in a larger draw.</summary>
    public static void Normal<T>(Device d, ArrayView<T> y, ulong seed, ulong stream, ulong first, T mean, T std)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(y.Length);
        if (Applies<T>(d))
            d.Load<Loop, ArrayView<float>, ulong, ulong, ulong, float, float>(RandomKernels.CpuNormal)(
                loop.Threads, loop, y.Cast<float>(), seed, stream, first, F(mean), F(std));
        else
            d.Load<Loop, ArrayView<T>, ulong, ulong, ulong, T, T>(RandomKernels.Normal)(loop.Threads, loop, y, seed, stream, first, mean, std);
    }
}
