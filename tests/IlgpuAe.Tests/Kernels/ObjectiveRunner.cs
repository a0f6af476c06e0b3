using System.Numerics;
using ILGPU.Runtime;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// Runs the divergence, sampling and penalty kernels for <see cref="ObjectiveCase"/>: uploads,
/// launches with the given launch shape (see KernelHarness.Shape), downloads. Gradient outputs
/// start as NaN when beta = 0 and as <c>initial</c> otherwise.
/// </summary>
static class ObjectiveRunner<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    static T C(double v) => T.CreateTruncating(v);

    static MemoryBuffer1D<T, Stride1D.Dense> Out(int n, double beta, double[][] initial, int k) =>
        beta == 0 ? Poisoned<T>(n) : Upload<T>(initial[k]);

    public static double[] KlDiagonal(double[][] i, int rows, int cols, int shape)
    {
        using var mu = Upload<T>(i[0]);
        using var lv = Upload<T>(i[1]);
        using var kl = Poisoned<T>(rows);
        var loop = Shape(shape, rows);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(DivergenceKernels.KlDiagonalForward)(loop.Threads, loop, mu.View, lv.View, kl.View, cols);
        return Download(kl);
    }

    public static double[][] KlDiagonalBack(double[][] i, double g, double scale, double beta, double[][] initial, int shape)
    {
        int n = i[0].Length;
        using var mu = Upload<T>(i[0]);
        using var lv = Upload<T>(i[1]);
        using var gradOut = Upload<T>([g]);
        using var dm = Out(n, beta, initial, 0);
        using var dl = Out(n, beta, initial, 1);
        var loop = Shape(shape, n);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(DivergenceKernels.KlDiagonalBackward)(
            loop.Threads, loop, mu.View, lv.View, gradOut.View, dm.View, dl.View, C(scale), C(beta));
        return [Download(dm), Download(dl)];
    }

    public static double[] KlGaussians(double[][] i, int rows, int cols, int shape)
    {
        using var mq = Upload<T>(i[0]);
        using var lq = Upload<T>(i[1]);
        using var mp = Upload<T>(i[2]);
        using var lp = Upload<T>(i[3]);
        using var kl = Poisoned<T>(rows);
        var loop = Shape(shape, rows);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(DivergenceKernels.KlDiagonalGaussiansForward)(
            loop.Threads, loop, mq.View, lq.View, mp.View, lp.View, kl.View, cols);
        return Download(kl);
    }

    public static double[][] KlGaussiansBack(double[][] i, double g, double scale, double beta, double[][] initial, int shape)
    {
        int n = i[0].Length;
        using var mq = Upload<T>(i[0]);
        using var lq = Upload<T>(i[1]);
        using var mp = Upload<T>(i[2]);
        using var lp = Upload<T>(i[3]);
        using var gradOut = Upload<T>([g]);
        using var dmq = Out(n, beta, initial, 0);
        using var dlq = Out(n, beta, initial, 1);
        using var dmp = Out(n, beta, initial, 2);
        using var dlp = Out(n, beta, initial, 3);
        var loop = Shape(shape, n);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(
            DivergenceKernels.KlDiagonalGaussiansBackward)(loop.Threads, loop, mq.View, lq.View, mp.View, lp.View, gradOut.View,
            dmq.View, dlq.View, dmp.View, dlp.View, C(scale), C(beta));
        return [Download(dmq), Download(dlq), Download(dmp), Download(dlp)];
    }

    public static double[] KlTriangular(double[][] i, int rows, int dim, int shape)
    {
        using var mu = Upload<T>(i[0]);
        using var l = Upload<T>(i[1]);
        using var kl = Poisoned<T>(rows);
        var loop = Shape(shape, rows);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(DivergenceKernels.KlLowerTriangularForward)(loop.Threads, loop, mu.View, l.View, kl.View, dim);
        return Download(kl);
    }

    public static double[][] KlTriangularBack(double[][] i, int dim, double g, double scale, double beta, double[][] initial, int shape)
    {
        using var mu = Upload<T>(i[0]);
        using var l = Upload<T>(i[1]);
        using var gradOut = Upload<T>([g]);
        using var dm = Out(i[0].Length, beta, initial, 0);
        using var dl = Out(i[1].Length, beta, initial, 1);
        var loop = Shape(shape, i[0].Length / dim);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T, T>(DivergenceKernels.KlLowerTriangularBackward)(
            loop.Threads, loop, mu.View, l.View, gradOut.View, dm.View, dl.View, dim, C(scale), C(beta));
        return [Download(dm), Download(dl)];
    }

    public static double[] Diagonal(double[][] i, double[] eps, int shape)
    {
        int n = i[0].Length;
        using var mu = Upload<T>(i[0]);
        using var lv = Upload<T>(i[1]);
        using var e = Upload<T>(eps);
        using var z = Poisoned<T>(n);
        var loop = Shape(shape, n);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>>(SamplingKernels.DiagonalForward)(loop.Threads, loop, mu.View, lv.View, e.View, z.View);
        return Download(z);
    }

    public static double[][] DiagonalBack(double[][] i, double[] eps, double[] dz, double beta, double[][] initial, int shape)
    {
        int n = i[0].Length;
        using var lv = Upload<T>(i[1]);
        using var e = Upload<T>(eps);
        using var g = Upload<T>(dz);
        using var dm = Out(n, beta, initial, 0);
        using var dl = Out(n, beta, initial, 1);
        var loop = Shape(shape, n);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T>(SamplingKernels.DiagonalBackward)(
            loop.Threads, loop, lv.View, e.View, g.View, dm.View, dl.View, C(beta));
        return [Download(dm), Download(dl)];
    }

    public static double[] Triangular(double[][] i, double[] eps, int dim, int shape)
    {
        int n = i[0].Length;
        using var mu = Upload<T>(i[0]);
        using var l = Upload<T>(i[1]);
        using var e = Upload<T>(eps);
        using var z = Poisoned<T>(n);
        var loop = Shape(shape, n / dim);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(SamplingKernels.LowerTriangularForward)(
            loop.Threads, loop, mu.View, l.View, e.View, z.View, dim);
        return Download(z);
    }

    public static double[][] TriangularBack(double[] eps, double[] dz, int dim, double beta, double[][] initial, int shape)
    {
        int n = eps.Length;
        using var e = Upload<T>(eps);
        using var g = Upload<T>(dz);
        using var dm = Out(n, beta, initial, 0);
        using var dl = Out(n * dim, beta, initial, 1);
        var loop = Shape(shape, n / dim);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(SamplingKernels.LowerTriangularBackward)(
            loop.Threads, loop, e.View, g.View, dm.View, dl.View, dim, C(beta));
        return [Download(dm), Download(dl)];
    }

    public static double[] L1(double[][] i, int rows, int cols, int shape)
    {
        using var h = Upload<T>(i[0]);
        using var p = Poisoned<T>(rows);
        var loop = Shape(shape, rows);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, int>(PenaltyKernels.L1Forward)(loop.Threads, loop, h.View, p.View, cols);
        return Download(p);
    }

    public static double[][] L1Back(double[][] i, double g, double scale, double beta, double[][] initial, int shape)
    {
        int n = i[0].Length;
        using var h = Upload<T>(i[0]);
        using var gradOut = Upload<T>([g]);
        using var dh = Out(n, beta, initial, 0);
        var loop = Shape(shape, n);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(PenaltyKernels.L1Backward)(loop.Threads, loop, h.View, gradOut.View, dh.View, C(scale), C(beta));
        return [Download(dh)];
    }

    public static double[] Sparsity(double[][] i, int rows, int cols, int shape)
    {
        using var h = Upload<T>(i[0]);
        using var kl = Poisoned<T>(cols);
        var loop = Shape(shape, cols);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, int, T>(PenaltyKernels.KlSparsityForward)(loop.Threads, loop, h.View, kl.View, rows, C(ObjectiveCase.SparsityTarget));
        return Download(kl);
    }

    public static double[][] SparsityBack(double[][] i, int rows, double g, double scale, double beta, double[][] initial, int shape)
    {
        int n = i[0].Length;
        using var h = Upload<T>(i[0]);
        using var gradOut = Upload<T>([g]);
        using var dh = Out(n, beta, initial, 0);
        var loop = Shape(shape, n / rows);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T, T, T>(PenaltyKernels.KlSparsityBackward)(
            loop.Threads, loop, h.View, gradOut.View, dh.View, rows, C(ObjectiveCase.SparsityTarget), C(scale), C(beta));
        return [Download(dh)];
    }

    public static (double[] negLogP, MemoryBuffer1D<T, Stride1D.Dense> resp) Gmm(double[][] i, int rows, int cols, int shape, bool keep = false)
    {
        using var z = Upload<T>(i[0]);
        using var m = Upload<T>(i[1]);
        using var lv = Upload<T>(i[2]);
        using var w = Upload<T>(i[3]);
        using var negLogP = Poisoned<T>(rows);
        var resp = Poisoned<T>(rows * i[3].Length);
        var loop = Shape(shape, rows);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(MixtureKernels.GmmNegLogDensityForward)(
            loop.Threads, loop, z.View, m.View, lv.View, w.View, negLogP.View, resp.View, cols);
        var result = Download(negLogP);
        if (!keep) resp.Dispose();
        return (result, resp);
    }

    public static double[][] GmmBack(double[][] i, int rows, int cols, double g, double scale, double beta, double[][] initial, int shape)
    {
        var (_, resp) = Gmm(i, rows, cols, shape, keep: true);
        using var gamma = resp;
        using var z = Upload<T>(i[0]);
        using var m = Upload<T>(i[1]);
        using var lv = Upload<T>(i[2]);
        using var w = Upload<T>(i[3]);
        using var gradOut = Upload<T>([g]);
        using var dz = Out(i[0].Length, beta, initial, 0);
        using var dm = Out(i[1].Length, beta, initial, 1);
        using var dl = Out(i[2].Length, beta, initial, 2);
        using var dw = Out(i[3].Length, beta, initial, 3);
        var rowLoop = Shape(shape, rows);
        var paramLoop = Shape(shape, i[1].Length);
        var componentLoop = Shape(shape, i[3].Length);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T, T>(MixtureKernels.GmmNegLogDensityBackwardZ)(
            rowLoop.Threads, rowLoop, z.View, m.View, lv.View, gamma.View, gradOut.View, dz.View, cols, C(scale), C(beta));
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T, T>(MixtureKernels.GmmNegLogDensityBackwardParams)(
            paramLoop.Threads, paramLoop, z.View, m.View, lv.View, gamma.View, gradOut.View, dm.View, dl.View, cols, C(scale), C(beta));
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T, T>(MixtureKernels.GmmNegLogDensityBackwardLogits)(
            componentLoop.Threads, componentLoop, w.View, gamma.View, gradOut.View, dw.View, rows, C(scale), C(beta));
        return [Download(dz), Download(dm), Download(dl), Download(dw)];
    }
}
