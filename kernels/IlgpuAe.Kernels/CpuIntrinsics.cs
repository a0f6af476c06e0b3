using System.Reflection;
using System.Runtime.CompilerServices;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.IR;
using ILGPU.IR.Intrinsics;

namespace IlgpuAe.Kernels;

/// <summary>
/// The CPU-accelerator bodies of the kernel families (each family's <c>X.Cpu.cs</c>): float kernels with the same
/// formulas as the generic ones they stand in for, whose threads hand contiguous runs to a helper marked
/// <see cref="IntrinsicImplementationAttribute"/>, so that ILGPU's CPU accelerator runs the helper's ordinary .NET body
/// (pointers and <see cref="Vector{T}"/>) instead of its element-at-a-time code (measured at 1-3% of a memory copy's
/// bandwidth for the generic elementwise kernels). PTX and OpenCL are redirected to each helper's one-element-at-a-time
/// twin, so the CPU kernels still compile for a GPU (where the generic kernels run instead). Reductions keep a fixed
/// order per launch shape, so results repeat bit for bit.
/// </summary>
public static class CpuIntrinsics
{
    /// <summary>
    /// Tells a context's PTX and OpenCL backends to compile each CPU helper's scalar twin wherever the helper is called,
    /// for every family. Only needed where the CPU kernels are compiled for a GPU (the offline compile test); the engine
    /// launches them on the CPU accelerator only.
    /// </summary>
    public static void Register(Context context)
    {
        ArgumentNullException.ThrowIfNull(context);
        ActivationKernels.RegisterCpuTwins(context);
        Conv2dKernels.RegisterCpuTwins(context);
        CorruptionKernels.RegisterCpuTwins(context);
        GemmKernels.RegisterCpuTwins(context);
        LossKernels.RegisterCpuTwins(context);
        NormKernels.RegisterCpuTwins(context);
        OptimizerKernels.RegisterCpuTwins(context);
        Pool2dKernels.RegisterCpuTwins(context);
        RandomKernels.RegisterCpuTwins(context);
        ReductionKernels.RegisterCpuTwins(context);
    }

    /// <summary>Redirects PTX and OpenCL from <paramref name="helper"/> to <paramref name="twin"/>, both public static methods of <paramref name="family"/> named by nameof.</summary>
    internal static void Redirect(Context context, Type family, string helper, string twin)
    {
        var method = family.GetMethod(helper, BindingFlags.Public | BindingFlags.Static)
            ?? throw new InvalidOperationException($"{family.Name}.{helper} not found");
        if (family.GetMethod(twin, BindingFlags.Public | BindingFlags.Static) is null)
            throw new InvalidOperationException($"{family.Name}.{twin} not found");
        var manager = context.GetIntrinsicManager();
        manager.RegisterMethod(method, new PTXIntrinsic(family, twin, IntrinsicImplementationMode.Redirect));
        manager.RegisterMethod(method, new CLIntrinsic(family, twin, IntrinsicImplementationMode.Redirect));
    }

    /// <summary>The address of element 0 of a CPU-accelerator view (its memory is pinned host memory).</summary>
    internal static unsafe float* Ptr(ArrayView<float> view) => (float*)Unsafe.AsPointer(ref view[0L]);

    /// <summary>Floats per <see cref="Vector{T}"/>.</summary>
    internal static int W => Vector<float>.Count;

    /// <summary>v where beta is 0 (dst never read: it may hold NaN), else beta·dst + v: the vector form of <see cref="Beta.Blend{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void Blend(float* dst, float beta, Vector<float> v) =>
        (beta == 0 ? v : new Vector<float>(beta) * Vector.Load(dst) + v).Store(dst);
}
