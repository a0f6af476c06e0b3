using System.Numerics;
using ILGPU;
using IlgpuAe.Kernels;

namespace IlgpuAe.Compute;

/// <summary>
/// Launches of <see cref="CpuKernels"/>, the float kernels with .NET bodies that stand in for the generic ones on
/// ILGPU's CPU accelerator (where the generic elementwise kernels run at a few percent of a memory copy). Each
/// method returns false, launching nothing, where they do not apply (a GPU, or an element type other than float),
/// so a call site reads <c>if (!CpuFast.X(...)) launch the generic kernel</c>.
/// </summary>
public static class CpuFast
{
    /// <summary>Whether the float CPU kernels apply: the CPU accelerator and T = float.</summary>
    public static bool Applies<T>(Device device) where T : unmanaged, IFloatingPointIeee754<T> =>
        device.IsCpu && typeof(T) == typeof(float);

    static float F<T>(T v) where T : unmanaged, IFloatingPointIeee754<T> => float.CreateTruncating(v);

    /// <summary>y = f(x; a) through <see cref="CpuKernels.ActivationForward"/>; false (nothing launched) unless <see cref="Applies{T}"/>.</summary>
    public static bool ActivationForward<T>(Device d, Activation f, ArrayView<T> x, ArrayView<T> y, T a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Applies<T>(d)) return false;
        var loop = d.LoopFor(x.Length);
        d.Load<Loop, ArrayView<float>, ArrayView<float>, float, int>(CpuKernels.ActivationForward)(
            loop.Threads, loop, x.Cast<float>(), y.Cast<float>(), F(a), (int)f);
        return true;
    }

    /// <summary>dx = beta·dx + dy·f'(y; a) through <see cref="CpuKernels.ActivationBackward"/>; false (nothing launched) unless <see cref="Applies{T}"/>.</summary>
    public static bool ActivationBackward<T>(Device d, Activation f, ArrayView<T> y, ArrayView<T> dy, ArrayView<T> dx, T a, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Applies<T>(d)) return false;
        var loop = d.LoopFor(y.Length);
        d.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, int>(CpuKernels.ActivationBackward)(
            loop.Threads, loop, y.Cast<float>(), dy.Cast<float>(), dx.Cast<float>(), F(a), F(beta), (int)f);
        return true;
    }

    /// <summary>dst[c] = beta·dst[c] + scale·Σ_r src[r, c] for src [rows, dst.Length]; false (nothing launched) unless <see cref="Applies{T}"/>.</summary>
    public static bool ColumnSums<T>(Device d, ArrayView<T> src, ArrayView<T> dst, int rows, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Applies<T>(d)) return false;
        var loop = d.LoopFor(dst.Length);
        d.Load<Loop, ArrayView<float>, ArrayView<float>, int, float, float>(CpuKernels.ColumnSums)(
            loop.Threads, loop, src.Cast<float>(), dst.Cast<float>(), rows, F(scale), F(beta));
        return true;
    }

    /// <summary>rowLoss[r] = BCE-with-logits of row r of [rows, cols]; false (nothing launched) unless <see cref="Applies{T}"/>.</summary>
    public static bool BceForward<T>(Device d, ArrayView<T> logits, ArrayView<T> target, ArrayView<T> rowLoss, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Applies<T>(d)) return false;
        var loop = d.LoopFor(rowLoss.Length);
        d.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(CpuKernels.BceForward)(
            loop.Threads, loop, logits.Cast<float>(), target.Cast<float>(), rowLoss.Cast<float>(), cols);
        return true;
    }

    /// <summary>dLogits = beta·dLogits + gradOut[0]·scale·(σ(z) − x); false (nothing launched) unless <see cref="Applies{T}"/>.</summary>
    public static bool BceBackward<T>(Device d, ArrayView<T> logits, ArrayView<T> target, ArrayView<T> gradOut, ArrayView<T> dLogits, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Applies<T>(d)) return false;
        var loop = d.LoopFor(logits.Length);
        d.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float>(CpuKernels.BceBackward)(
            loop.Threads, loop, logits.Cast<float>(), target.Cast<float>(), gradOut.Cast<float>(), dLogits.Cast<float>(), F(scale), F(beta));
        return true;
    }

    /// <summary>One Adam/AdamW step in place on p, m and v; false (nothing launched) unless <see cref="Applies{T}"/>.</summary>
    public static bool Adam<T>(Device d, ArrayView<T> p, ArrayView<T> g, ArrayView<T> m, ArrayView<T> v, AdamScalars s)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Applies<T>(d)) return false;
        var loop = d.LoopFor(p.Length);
        d.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamScalars>(CpuKernels.Adam)(
            loop.Threads, loop, p.Cast<float>(), g.Cast<float>(), m.Cast<float>(), v.Cast<float>(), s);
        return true;
    }

    /// <summary>Phase 1 of ||x||² into <paramref name="partial"/> (loop.Threads entries).</summary>
    public static bool SquaredNorm<T>(Device d, Loop loop, ArrayView<T> x, ArrayView<T> partial)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Applies<T>(d)) return false;
        d.Load<Loop, ArrayView<float>, ArrayView<float>>(CpuKernels.SquaredNorm)(loop.Threads, loop, x.Cast<float>(), partial.Cast<float>());
        return true;
    }

    /// <summary>y = mean + std·N(0,1) from Philox(seed, stream, first + element), bit for bit as <see cref="RandomKernels.Normal{T}"/>; false (nothing launched) unless <see cref="Applies{T}"/>.</summary>
    public static bool Normal<T>(Device d, ArrayView<T> y, ulong seed, ulong stream, ulong first, T mean, T std)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Applies<T>(d)) return false;
        var loop = d.LoopFor(y.Length);
        d.Load<Loop, ArrayView<float>, ulong, ulong, ulong, float, float>(CpuKernels.Normal)(
            loop.Threads, loop, y.Cast<float>(), seed, stream, first, F(mean), F(std));
        return true;
    }

    /// <summary>y = x + std·N(0,1) (Gaussian) or y = x with probability 1 − p, else 0 (masking), through the float CPU kernels; false unless <see cref="Applies{T}"/>.</summary>
    public static bool Corrupt<T>(Device d, bool gaussian, ArrayView<T> x, ArrayView<T> y, ulong seed, ulong stream, ulong first, T level)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Applies<T>(d)) return false;
        var loop = d.LoopFor(x.Length);
        d.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, ulong, ulong, float>(gaussian ? CpuKernels.GaussianNoise : CpuKernels.MaskingNoise)(
            loop.Threads, loop, x.Cast<float>(), y.Cast<float>(), seed, stream, first, F(level));
        return true;
    }
}
