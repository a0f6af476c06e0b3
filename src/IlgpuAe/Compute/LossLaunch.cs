using System.Numerics;
using ILGPU;
using IlgpuAe.Kernels;
using static IlgpuAe.Compute.CpuBody;

namespace IlgpuAe.Compute;

/// <summary>Launches of the reconstruction losses: BCE's float CPU bodies on the CPU accelerator, else the generic kernels.</summary>
public static class LossLaunch
{
    /// <summary>rowLoss[r] = Σ_c max(z,0) − z·x + log(1 + e^−|z|) for logits z and targets x [rows, cols].</summary>
    public static void BceForward<T>(Device d, ArrayView<T> logits, ArrayView<T> target, ArrayView<T> rowLoss, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(rowLoss.Length);
        if (Applies<T>(d))
            d.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(LossKernels.CpuBceForward)(
                loop.Threads, loop, logits.Cast<float>(), target.Cast<float>(), rowLoss.Cast<float>(), cols);
        else
            d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(LossKernels.BceWithLogitsForward)(loop.Threads, loop, logits, target, rowLoss, cols);
    }

    /// <summary>dLogits = beta·dLogits + gradOut[0]·scale·(σ(z) − x).</summary>
    public static void BceBackward<T>(Device d, ArrayView<T> logits, ArrayView<T> target, ArrayView<T> gradOut, ArrayView<T> dLogits, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(logits.Length);
        if (Applies<T>(d))
            d.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float>(LossKernels.CpuBceBackward)(
                loop.Threads, loop, logits.Cast<float>(), target.Cast<float>(), gradOut.Cast<float>(), dLogits.Cast<float>(), F(scale), F(beta));
        else
            d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(LossKernels.BceWithLogitsBackward)(
                loop.Threads, loop, logits, target, gradOut, dLogits, scale, beta);
    }

    /// <summary>rowLoss[r] = Σ_c (pred − target)² for [rows, cols].</summary>
    public static void MseForward<T>(Device d, ArrayView<T> pred, ArrayView<T> target, ArrayView<T> rowLoss, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(rowLoss.Length);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(LossKernels.MseForward)(loop.Threads, loop, pred, target, rowLoss, cols);
    }

    /// <summary>dPred = beta·dPred + gradOut[0]·scale·2(pred − target).</summary>
    public static void MseBackward<T>(Device d, ArrayView<T> pred, ArrayView<T> target, ArrayView<T> gradOut, ArrayView<T> dPred, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(pred.Length);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(LossKernels.MseBackward)(
            loop.Threads, loop, pred, target, gradOut, dPred, scale, beta);
    }
    /// <summary>
    /// rowLoss[r] = Σ_c max(z,0) − z·x + log(1 + e^−|z|) and dLogits = gs·(σ(z) − x) (overwritten) in one launch: rows walked as
    /// <see cref="BceForward{T}"/> does, elements as <see cref="BceBackward{T}"/> does, so the bits are those of the two launches.
    /// </summary>
    public static void BceValueAndGrad<T>(Device d, ArrayView<T> logits, ArrayView<T> target, ArrayView<T> rowLoss, ArrayView<T> dLogits, int cols, T gs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rows = d.LoopFor(rowLoss.Length);
        var elements = d.LoopFor(logits.Length);
        int threads = Math.Max(rows.Threads, elements.Threads);
        if (Applies<T>(d))
            d.Load<Loop, Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(LossKernels.CpuBceValueAndGrad)(
                threads, rows, elements, logits.Cast<float>(), target.Cast<float>(), rowLoss.Cast<float>(), dLogits.Cast<float>(), cols, F(gs));
        else
            d.Load<Loop, Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(LossKernels.BceWithLogitsValueAndGrad)(
                threads, rows, elements, logits, target, rowLoss, dLogits, cols, gs);
    }

    /// <summary>rowLoss[r] = Σ_c (pred − target)² and dPred = gs·2(pred − target) (overwritten) in one launch, walked as <see cref="MseForward{T}"/> and <see cref="MseBackward{T}"/>.</summary>
    public static void MseValueAndGrad<T>(Device d, ArrayView<T> pred, ArrayView<T> target, ArrayView<T> rowLoss, ArrayView<T> dPred, int cols, T gs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rows = d.LoopFor(rowLoss.Length);
        var elements = d.LoopFor(pred.Length);
        d.Load<Loop, Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(LossKernels.MseValueAndGrad)(
            Math.Max(rows.Threads, elements.Threads), rows, elements, pred, target, rowLoss, dPred, cols, gs);
    }
}
