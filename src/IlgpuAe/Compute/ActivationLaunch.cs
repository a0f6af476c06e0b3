using System.Numerics;
using ILGPU;
using IlgpuAe.Kernels;
using static IlgpuAe.Compute.CpuBody;

namespace IlgpuAe.Compute;

/// <summary>Launches of the activation kernels: the float CPU body on the CPU accelerator, else the generic kernel instantiated for the activation.</summary>
public static class ActivationLaunch
{
    /// <summary>y = f(x; a) elementwise.</summary>
    public static void Forward<T>(Device d, Activation f, ArrayView<T> x, ArrayView<T> y, T a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(x.Length);
        if (Applies<T>(d))
            d.Load<Loop, ArrayView<float>, ArrayView<float>, float, int>(ActivationKernels.CpuForward)(
                loop.Threads, loop, x.Cast<float>(), y.Cast<float>(), F(a), (int)f);
        else
            ForwardGeneric(d, f, x, y, a, loop);
    }

    /// <summary>dx = beta·dx + dy ⊙ f'(y; a), from the output y.</summary>
    public static void Backward<T>(Device d, Activation f, ArrayView<T> y, ArrayView<T> dy, ArrayView<T> dx, T a, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(y.Length);
        if (Applies<T>(d))
            d.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, int>(ActivationKernels.CpuBackward)(
                loop.Threads, loop, y.Cast<float>(), dy.Cast<float>(), dx.Cast<float>(), F(a), F(beta), (int)f);
        else
            BackwardGeneric(d, f, y, dy, dx, a, beta, loop);
    }

    /// <summary>As <see cref="Forward{T}"/> through the generic kernel with an explicit launch shape (tests hold every shape, and the CPU body, to it).</summary>
    public static void ForwardGeneric<T>(Device d, Activation f, ArrayView<T> x, ArrayView<T> y, T a, Loop loop)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        ActivationMap.Visit<T, ForwardLaunch<T>>(f, new(d, loop, x, y, a));

    /// <summary>As <see cref="Backward{T}"/> through the generic kernel with an explicit launch shape.</summary>
    public static void BackwardGeneric<T>(Device d, Activation f, ArrayView<T> y, ArrayView<T> dy, ArrayView<T> dx, T a, T beta, Loop loop)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        ActivationMap.Visit<T, BackwardLaunch<T>>(f, new(d, loop, y, dy, dx, a, beta));

    readonly struct ForwardLaunch<T>(Device d, Loop loop, ArrayView<T> x, ArrayView<T> y, T a) : IActivationVisitor<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Visit<TAct>() where TAct : struct, IActivation<T> =>
            d.Load<Loop, ArrayView<T>, ArrayView<T>, T>(ActivationKernels.Forward<T, TAct>)(loop.Threads, loop, x, y, a);
    }

    readonly struct BackwardLaunch<T>(Device d, Loop loop, ArrayView<T> y, ArrayView<T> dy, ArrayView<T> dx, T a, T beta) : IActivationVisitor<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Visit<TAct>() where TAct : struct, IActivation<T> =>
            d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(ActivationKernels.Backward<T, TAct>)(loop.Threads, loop, y, dy, dx, a, beta);
    }
}
