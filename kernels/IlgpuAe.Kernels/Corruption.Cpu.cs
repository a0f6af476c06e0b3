using ILGPU.IR.Intrinsics;
using static IlgpuAe.Kernels.CpuIntrinsics;

namespace IlgpuAe.Kernels;

// The CPU-accelerator bodies of the Gaussian and masking corruptions (see CpuIntrinsics).
public static partial class CorruptionKernels
{
    /// <summary>y[i] = x[i] + std·N(0,1) from Philox(seed, stream, first + i), bit for bit as <see cref="GaussianNoise{T}"/> at T = float.</summary>
    public static void CpuGaussianNoise(Index1D t, Loop loop, ArrayView<float> x, ArrayView<float> y, ulong seed, StreamKey key, ArrayView<ulong> step, ulong first, float std)
    {
        int n = (int)x.Length;
        ulong stream = key.Of(step[0]);
        for (int b = loop.First(t); b < n; b += loop.Step) GaussianNoiseRun(x, y, seed, stream, first, std, b, loop.End(b, n));
    }

    /// <summary>y[i] = 0 if U(words 0, 2) &lt; dropProb else x[i], bit for bit as <see cref="MaskingNoise{T}"/> at T = float.</summary>
    public static void CpuMaskingNoise(Index1D t, Loop loop, ArrayView<float> x, ArrayView<float> y, ulong seed, StreamKey key, ArrayView<ulong> step, ulong first, float dropProb)
    {
        int n = (int)x.Length;
        ulong stream = key.Of(step[0]);
        for (int b = loop.First(t); b < n; b += loop.Step) MaskingNoiseRun(x, y, seed, stream, first, dropProb, b, loop.End(b, n));
    }

    /// <summary>Gaussian corruption over [start, end); on the CPU the .NET body, elsewhere <see cref="GaussianNoiseRunScalar"/>.</summary>
    [IntrinsicImplementation]
    public static void GaussianNoiseRun(ArrayView<float> x, ArrayView<float> y, ulong seed, ulong stream, ulong first, float std, int start, int end) =>
        CpuBodies.GaussianNoise(x, y, seed, stream, first, std, start, end);

    /// <summary>Masking corruption over [start, end); on the CPU the .NET body, elsewhere <see cref="MaskingNoiseRunScalar"/>.</summary>
    [IntrinsicImplementation]
    public static void MaskingNoiseRun(ArrayView<float> x, ArrayView<float> y, ulong seed, ulong stream, ulong first, float dropProb, int start, int end) =>
        CpuBodies.MaskingNoise(x, y, seed, stream, first, dropProb, start, end);

    /// <summary>The generic twin of <see cref="GaussianNoiseRun"/> that PTX and OpenCL compile.</summary>
    public static void GaussianNoiseRunScalar(ArrayView<float> x, ArrayView<float> y, ulong seed, ulong stream, ulong first, float std, int start, int end)
    {
        for (int i = start; i < end; i++) y[i] = x[i] + std * Philox.Gaussian<float>(seed, stream, first + (ulong)i);
    }

    /// <summary>The generic twin of <see cref="MaskingNoiseRun"/> that PTX and OpenCL compile.</summary>
    public static void MaskingNoiseRunScalar(ArrayView<float> x, ArrayView<float> y, ulong seed, ulong stream, ulong first, float dropProb, int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            var r = Philox.Generate(seed, stream, first + (ulong)i);
            y[i] = Philox.Unit<float>(r.X0, r.X2) < dropProb ? 0f : x[i];
        }
    }

    internal static void RegisterCpuTwins(ILGPU.Context context)
    {
        Redirect(context, typeof(CorruptionKernels), nameof(GaussianNoiseRun), nameof(GaussianNoiseRunScalar));
        Redirect(context, typeof(CorruptionKernels), nameof(MaskingNoiseRun), nameof(MaskingNoiseRunScalar));
    }

    // The ordinary .NET bodies behind the helpers; never seen by ILGPU's compiler.
    static unsafe class CpuBodies
    {
        public static void GaussianNoise(ArrayView<float> xv, ArrayView<float> yv, ulong seed, ulong stream, ulong first, float std, int start, int end)
        {
            if (end <= start) return;
            float* x = Ptr(xv), y = Ptr(yv);
            for (int i = start; i < end; i++) y[i] = x[i] + std * PhiloxCpu.StandardNormal(seed, stream, first + (ulong)i);
        }

        public static void MaskingNoise(ArrayView<float> xv, ArrayView<float> yv, ulong seed, ulong stream, ulong first, float dropProb, int start, int end)
        {
            if (end <= start) return;
            float* x = Ptr(xv), y = Ptr(yv);
            for (int i = start; i < end; i++)
            {
                var r = Philox.Generate(seed, stream, first + (ulong)i);
                y[i] = PhiloxCpu.Unit(r.X0, r.X2) < dropProb ? 0f : x[i];
            }
        }
    }
}
