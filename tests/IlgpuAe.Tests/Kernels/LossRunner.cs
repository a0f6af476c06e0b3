using System.Numerics;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

/// <summary>Runs the loss kernels for <see cref="ObjectiveCase"/>: uploads, launches with the given launch shape (see KernelHarness.Shape), downloads. Outputs start as NaN unless beta ≠ 0.</summary>
static class LossRunner<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    static T C(double v) => T.CreateTruncating(v);

    public static double[] BceForward(double[][] i, double[] x, int rows, int cols, int shape)
    {
        using var z = Upload<T>(i[0]);
        using var tx = Upload<T>(x);
        using var loss = Poisoned<T>(rows);
        var loop = Shape(shape, rows);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(LossKernels.BceWithLogitsForward)(loop.Threads, loop, z.View, tx.View, loss.View, cols);
        return Download(loss);
    }

    public static double[][] BceBackward(double[][] i, double[] x, double g, double scale, double beta, double[][] initial, int shape)
    {
        using var z = Upload<T>(i[0]);
        using var tx = Upload<T>(x);
        using var gradOut = Upload<T>([g]);
        using var dz = beta == 0 ? Poisoned<T>(x.Length) : Upload<T>(initial[0]);
        var loop = Shape(shape, x.Length);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(LossKernels.BceWithLogitsBackward)(
            loop.Threads, loop, z.View, tx.View, gradOut.View, dz.View, C(scale), C(beta));
        return [Download(dz)];
    }

    public static double[] MseForward(double[][] i, double[] x, int rows, int cols, int shape)
    {
        using var p = Upload<T>(i[0]);
        using var tx = Upload<T>(x);
        using var loss = Poisoned<T>(rows);
        var loop = Shape(shape, rows);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(LossKernels.MseForward)(loop.Threads, loop, p.View, tx.View, loss.View, cols);
        return Download(loss);
    }

    public static double[][] MseBackward(double[][] i, double[] x, double g, double scale, double beta, double[][] initial, int shape)
    {
        using var p = Upload<T>(i[0]);
        using var tx = Upload<T>(x);
        using var gradOut = Upload<T>([g]);
        using var dp = beta == 0 ? Poisoned<T>(x.Length) : Upload<T>(initial[0]);
        var loop = Shape(shape, x.Length);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(LossKernels.MseBackward)(
            loop.Threads, loop, p.View, tx.View, gradOut.View, dp.View, C(scale), C(beta));
        return [Download(dp)];
    }

    public static double[] GaussianForward(double[][] i, double[] x, int rows, int cols, int shape)
    {
        using var mu = Upload<T>(i[0]);
        using var lv = Upload<T>(i[1]);
        using var tx = Upload<T>(x);
        using var loss = Poisoned<T>(rows);
        var loop = Shape(shape, rows);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(LossKernels.GaussianNllForward)(
            loop.Threads, loop, mu.View, lv.View, tx.View, loss.View, cols);
        return Download(loss);
    }

    public static double[][] GaussianBackward(double[][] i, double[] x, double g, double scale, double beta, double[][] initial, int shape)
    {
        using var mu = Upload<T>(i[0]);
        using var lv = Upload<T>(i[1]);
        using var tx = Upload<T>(x);
        using var gradOut = Upload<T>([g]);
        using var dmu = beta == 0 ? Poisoned<T>(x.Length) : Upload<T>(initial[0]);
        using var dlv = beta == 0 ? Poisoned<T>(x.Length) : Upload<T>(initial[1]);
        var loop = Shape(shape, x.Length);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(LossKernels.GaussianNllBackward)(
            loop.Threads, loop, mu.View, lv.View, tx.View, gradOut.View, dmu.View, dlv.View, C(scale), C(beta));
        return [Download(dmu), Download(dlv)];
    }

    public static double[] FixedForward(double[][] i, double[] x, int rows, int cols, int shape)
    {
        using var mu = Upload<T>(i[0]);
        using var tx = Upload<T>(x);
        using var loss = Poisoned<T>(rows);
        var loop = Shape(shape, rows);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(LossKernels.GaussianNllFixedForward)(
            loop.Threads, loop, mu.View, tx.View, loss.View, cols, C(ObjectiveCase.FixedLogVar));
        return Download(loss);
    }

    public static double[][] FixedBackward(double[][] i, double[] x, double g, double scale, double beta, double[][] initial, int shape)
    {
        using var mu = Upload<T>(i[0]);
        using var tx = Upload<T>(x);
        using var gradOut = Upload<T>([g]);
        using var dmu = beta == 0 ? Poisoned<T>(x.Length) : Upload<T>(initial[0]);
        var loop = Shape(shape, x.Length);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T, T>(LossKernels.GaussianNllFixedBackward)(
            loop.Threads, loop, mu.View, tx.View, gradOut.View, dmu.View, C(ObjectiveCase.FixedLogVar), C(scale), C(beta));
        return [Download(dmu)];
    }
}
