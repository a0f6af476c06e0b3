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
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Normal(d, y, seed, StreamKey.Fixed(stream), d.ZeroStep, first, mean, std);

    /// <summary>
    /// y = mean + std·N(0, 1) from Philox(seed, key.Of(step[0]), first + element): the step is read on the device (a plan's
    /// step cell), so that the launch has the same arguments at every step.
    /// </summary>
    public static void Normal<T>(Device d, ArrayView<T> y, ulong seed, StreamKey key, ArrayView<ulong> step, ulong first, T mean, T std)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(y.Length);
        if (Applies<T>(d))
            d.Load<Loop, ArrayView<float>, ulong, StreamKey, ArrayView<ulong>, ulong, float, float>(RandomKernels.CpuNormal)(
                loop.Threads, loop, y.Cast<float>(), seed, key, step, first, F(mean), F(std));
        else
            d.Load<Loop, ArrayView<T>, ulong, StreamKey, ArrayView<ulong>, ulong, T, T>(RandomKernels.Normal)(loop.Threads, loop, y, seed, key, step, first, mean, std);
    }
}
