using System.Numerics;
using ILGPU;
using IlgpuAe.Kernels;
using static IlgpuAe.Compute.CpuBody;

namespace IlgpuAe.Compute;

/// <summary>
/// Launches of the input corruptions: the float CPU bodies on the CPU accelerator where there are some, else the generic
/// kernels (the same bits). The Philox stream is key.Of(step[0]), the step read on the device (a plan's step cell, or
/// <see cref="Device.ZeroStep"/> with a fixed key), so that the launches are the same at every step.
/// </summary>
public static class CorruptionLaunch
{
    /// <summary>y = x + std·N(0, 1) from Philox(seed, stream, first + element); <paramref name="first"/> is the index of x[0] in the batch.</summary>
    public static void GaussianNoise<T>(Device d, ArrayView<T> x, ArrayView<T> y, ulong seed, ulong stream, ulong first, T std)
        where T : unmanaged, IFloatingPointIeee754<T> => GaussianNoise(d, x, y, seed, StreamKey.Fixed(stream), d.ZeroStep, first, std);

    /// <summary>y = x + std·N(0, 1) from Philox(seed, key.Of(step[0]), first + element).</summary>
    public static void GaussianNoise<T>(Device d, ArrayView<T> x, ArrayView<T> y, ulong seed, StreamKey key, ArrayView<ulong> step, ulong first, T std)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(x.Length);
        if (Applies<T>(d))
            d.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, StreamKey, ArrayView<ulong>, ulong, float>(CorruptionKernels.CpuGaussianNoise)(
                loop.Threads, loop, x.Cast<float>(), y.Cast<float>(), seed, key, step, first, F(std));
        else
            d.Load<Loop, ArrayView<T>, ArrayView<T>, ulong, StreamKey, ArrayView<ulong>, ulong, T>(CorruptionKernels.GaussianNoise)(
                loop.Threads, loop, x, y, seed, key, step, first, std);
    }

    /// <summary>y = 0 where the element's uniform is below <paramref name="dropProb"/>, else x.</summary>
    public static void MaskingNoise<T>(Device d, ArrayView<T> x, ArrayView<T> y, ulong seed, ulong stream, ulong first, T dropProb)
        where T : unmanaged, IFloatingPointIeee754<T> => MaskingNoise(d, x, y, seed, StreamKey.Fixed(stream), d.ZeroStep, first, dropProb);

    /// <summary>y = 0 where the element's uniform (stream key.Of(step[0])) is below <paramref name="dropProb"/>, else x.</summary>
    public static void MaskingNoise<T>(Device d, ArrayView<T> x, ArrayView<T> y, ulong seed, StreamKey key, ArrayView<ulong> step, ulong first, T dropProb)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(x.Length);
        if (Applies<T>(d))
            d.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, StreamKey, ArrayView<ulong>, ulong, float>(CorruptionKernels.CpuMaskingNoise)(
                loop.Threads, loop, x.Cast<float>(), y.Cast<float>(), seed, key, step, first, F(dropProb));
        else
            d.Load<Loop, ArrayView<T>, ArrayView<T>, ulong, StreamKey, ArrayView<ulong>, ulong, T>(CorruptionKernels.MaskingNoise)(
                loop.Threads, loop, x, y, seed, key, step, first, dropProb);
    }

    /// <summary>Salt-and-pepper: each element set to 0 or 1 with probability <paramref name="level"/> (see <see cref="SaltPepperKernels.Noise{T}"/>).</summary>
    public static void SaltPepper<T>(Device d, ArrayView<T> x, ArrayView<T> y, ulong seed, ulong stream, ulong first, T level)
        where T : unmanaged, IFloatingPointIeee754<T> => SaltPepper(d, x, y, seed, StreamKey.Fixed(stream), d.ZeroStep, first, level);

    /// <summary>Salt-and-pepper with the stream key.Of(step[0]).</summary>
    public static void SaltPepper<T>(Device d, ArrayView<T> x, ArrayView<T> y, ulong seed, StreamKey key, ArrayView<ulong> step, ulong first, T level)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(x.Length);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, ulong, StreamKey, ArrayView<ulong>, ulong, T>(SaltPepperKernels.Noise)(loop.Threads, loop, x, y, seed, key, step, first, level);
    }
}
