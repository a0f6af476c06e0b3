using System.Runtime.CompilerServices;
using ILGPU.IR.Intrinsics;
using static IlgpuAe.Kernels.CpuIntrinsics;

namespace IlgpuAe.Kernels;

// The CPU-accelerator body of the normal fill (see CpuIntrinsics).
public static partial class RandomKernels
{
    /// <summary>
    /// y[i] = mean + std·√(−2 ln u1)·cos(2π u2) from Philox(seed, stream, first + i), bit for bit as
    /// <see cref="Normal{T}"/> at T = float (the uniforms come out of one exact integer-to-float conversion
    /// instead of the generic 23-step Horner loop, which gives the same float).
    /// </summary>
    public static void CpuNormal(Index1D t, Loop loop, ArrayView<float> y, ulong seed, StreamKey key, ArrayView<ulong> step, ulong first, float mean, float std)
    {
        int n = (int)y.Length;
        ulong stream = key.Of(step[0]);
        for (int b = loop.First(t); b < n; b += loop.Step) NormalRun(y, seed, stream, first, mean, std, b, loop.End(b, n));
    }

    /// <summary>y[i] = mean + std·N(0,1) from Philox(seed, stream, first + i) over [start, end); on the CPU the .NET body, elsewhere <see cref="NormalRunScalar"/>.</summary>
    [IntrinsicImplementation]
    public static void NormalRun(ArrayView<float> y, ulong seed, ulong stream, ulong first, float mean, float std, int start, int end) =>
        PhiloxCpu.Normal(y, seed, stream, first, mean, std, start, end);

    /// <summary>The one-element-at-a-time twin of <see cref="NormalRun"/> that PTX and OpenCL compile (the generic formula).</summary>
    public static void NormalRunScalar(ArrayView<float> y, ulong seed, ulong stream, ulong first, float mean, float std, int start, int end)
    {
        for (int i = start; i < end; i++) y[i] = mean + std * Philox.Gaussian<float>(seed, stream, first + (ulong)i);
    }

    internal static void RegisterCpuTwins(ILGPU.Context context) =>
        Redirect(context, typeof(RandomKernels), nameof(NormalRun), nameof(NormalRunScalar));
}

/// <summary>Philox's float draws in plain .NET, for the CPU bodies of the random and corruption kernels; never seen by ILGPU's compiler.</summary>
static unsafe class PhiloxCpu
{
    public static void Normal(ArrayView<float> yv, ulong seed, ulong stream, ulong first, float mean, float std, int start, int end)
    {
        if (end <= start) return;
        float* y = Ptr(yv);
        for (int i = start; i < end; i++) y[i] = mean + std * StandardNormal(seed, stream, first + (ulong)i);
    }

    // (k + ½)·2^−23 with k the top 23 bits of hi:lo: k + ½ has 24 significant bits and the scaling is a power of
    // two, so this is exact and equal to Philox.Unit<float>'s Horner loop, bit for bit.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Unit(uint hi, uint lo) => ((float)(hi >> 9) + 0.5f) * (1f / 8388608f);

    /// <summary>√(−2 ln u1)·cos(2π u2) of Philox(seed, stream, i) words (0, 2) and (1, 3): <see cref="Philox.Gaussian{T}"/>'s float, exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float StandardNormal(ulong seed, ulong stream, ulong index)
    {
        var r = Philox.Generate(seed, stream, index);
        float u1 = Unit(r.X0, r.X2), u2 = Unit(r.X1, r.X3);
        return MathF.Sqrt(-2f * MathF.Log(u1)) * MathF.Cos(2f * MathF.PI * u2);
    }
}
