using System.Numerics;
using ILGPU;
using IlgpuAe.Kernels;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// One loss as the tests see it: the differentiable inputs (logits; prediction; mean and logσ²),
/// a forward that returns per-row losses and a backward that returns one gradient per input,
/// both run by the kernels in T, and the double reference of both.
/// </summary>
sealed record LossCase(
    string Name,
    Func<Random, int, double[][]> Inputs,
    Func<Random, int, double[]> Target,
    Func<Type, double[][], double[], int, int, int, double[]> Forward,
    Func<Type, double[][], double[], double, double, double, double[][], int, double[][]> Backward,
    Func<double[][], double[], int, int, double[]> ReferenceForward,
    Func<double[][], double[], double, double[][]> ReferenceBackward)
{
    public override string ToString() => Name;

    /// <summary>The fixed logσ² of the fixed-sigma Gaussian cases.</summary>
    public const double FixedLogVar = 0.3;

    static double[] Uniform(Random rng, int n, double lo, double hi) =>
        Enumerable.Range(0, n).Select(_ => lo + (hi - lo) * rng.NextDouble()).ToArray();

    public static readonly LossCase[] All =
    [
        new("BceWithLogits",
            (rng, n) => [Uniform(rng, n, -4, 4)], (rng, n) => Uniform(rng, n, 0, 1),
            (t, i, x, rows, cols, shape) => Run(t, nameof(LossRunner<float>.BceForward), i, x, rows, cols, shape),
            (t, i, x, g, s, b, init, shape) => RunBack(t, nameof(LossRunner<float>.BceBackward), i, x, g, s, b, init, shape),
            (i, x, rows, cols) => LossReference.BceWithLogits(i[0], x, rows, cols),
            (i, x, g) => [LossReference.BceWithLogitsGrad(i[0], x, g)]),
        new("Mse",
            (rng, n) => [Uniform(rng, n, -1, 1)], (rng, n) => Uniform(rng, n, -1, 1),
            (t, i, x, rows, cols, shape) => Run(t, nameof(LossRunner<float>.MseForward), i, x, rows, cols, shape),
            (t, i, x, g, s, b, init, shape) => RunBack(t, nameof(LossRunner<float>.MseBackward), i, x, g, s, b, init, shape),
            (i, x, rows, cols) => LossReference.Mse(i[0], x, rows, cols),
            (i, x, g) => [LossReference.MseGrad(i[0], x, g)]),
        new("GaussianNll",
            (rng, n) => [Uniform(rng, n, -1, 1), Uniform(rng, n, -1, 1)], (rng, n) => Uniform(rng, n, -1, 1),
            (t, i, x, rows, cols, shape) => Run(t, nameof(LossRunner<float>.GaussianForward), i, x, rows, cols, shape),
            (t, i, x, g, s, b, init, shape) => RunBack(t, nameof(LossRunner<float>.GaussianBackward), i, x, g, s, b, init, shape),
            (i, x, rows, cols) => LossReference.GaussianNll(i[0], i[1], x, rows, cols),
            (i, x, g) => { var (dm, dl) = LossReference.GaussianNllGrad(i[0], i[1], x, g); return [dm, dl]; }),
        new("GaussianNllFixed",
            (rng, n) => [Uniform(rng, n, -1, 1)], (rng, n) => Uniform(rng, n, -1, 1),
            (t, i, x, rows, cols, shape) => Run(t, nameof(LossRunner<float>.FixedForward), i, x, rows, cols, shape),
            (t, i, x, g, s, b, init, shape) => RunBack(t, nameof(LossRunner<float>.FixedBackward), i, x, g, s, b, init, shape),
            (i, x, rows, cols) => LossReference.GaussianNll(i[0], Fixed(i[0]), x, rows, cols),
            (i, x, g) => [LossReference.GaussianNllGrad(i[0], Fixed(i[0]), x, g).dMean]),
    ];

    static double[] Fixed(double[] like) => Enumerable.Repeat(FixedLogVar, like.Length).ToArray();

    // Dispatch to LossRunner<float> or LossRunner<double> by name: the cases stay data, the runner stays generic.
    static double[] Run(Type t, string method, double[][] inputs, double[] target, int rows, int cols, int shape) =>
        (double[])typeof(LossRunner<>).MakeGenericType(t).GetMethod(method)!.Invoke(null, [inputs, target, rows, cols, shape])!;

    static double[][] RunBack(Type t, string method, double[][] inputs, double[] target, double g, double scale, double beta,
        double[][] initial, int shape) =>
        (double[][])typeof(LossRunner<>).MakeGenericType(t).GetMethod(method)!.Invoke(null, [inputs, target, g, scale, beta, initial, shape])!;
}

/// <summary>Uploads, launches with the given launch shape (see KernelHarness.Shape), downloads. Outputs start as NaN unless beta ≠ 0.</summary>
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
            loop.Threads, loop, mu.View, tx.View, loss.View, cols, C(LossCase.FixedLogVar));
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
            loop.Threads, loop, mu.View, tx.View, gradOut.View, dmu.View, C(LossCase.FixedLogVar), C(scale), C(beta));
        return [Download(dmu)];
    }
}
