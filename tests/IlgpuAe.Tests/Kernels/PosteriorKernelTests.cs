using System.Numerics;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// The posterior kernels against their double references, on random values, with NaN-poisoned
/// outputs, in float and double and on every launch shape; the backward kernels against the
/// analytic derivatives of the references (finite differences live in the op properties).
/// </summary>
public class PosteriorKernelTests
{
    const int Rows = 5, Dim = 4;

    static (double[] Eps, double[] LogVar, double[] L) Inputs(int seed)
    {
        var eps = KernelHarness.RandomValues(seed, Rows * Dim);
        var lv = KernelHarness.RandomValues(seed + 1, Rows * Dim);
        var l = KernelHarness.RandomValues(seed + 2, Rows * Dim * Dim);
        return (eps, lv, l);
    }

    static void Forward<T>(int shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var d = KernelHarness.Gpu;
        var (eps, lv, l) = Inputs(shape + 3);
        using var bEps = KernelHarness.Upload<T>(eps);
        using var bLv = KernelHarness.Upload<T>(lv);
        using var bL = KernelHarness.Upload<T>(l);
        using var factor = KernelHarness.Poisoned<T>(l.Length);
        var loop = KernelHarness.Shape(shape, l.Length);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, int, T>(PosteriorKernels.TriangularFactorForward)(loop.Threads, loop, bL.View, factor.View, Dim, T.CreateTruncating(1e-3));
        KernelHarness.AssertClose<T>(PosteriorReference.TriangularFactor(KernelHarness.Rounded<T>(l), Dim, 1e-3), KernelHarness.Download(factor), 4, "factor");

        using var rows = KernelHarness.Poisoned<T>(Rows);
        var rowLoop = KernelHarness.Shape(shape, Rows);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(PosteriorKernels.NegLogQDiagonalForward)(rowLoop.Threads, rowLoop, bEps.View, bLv.View, rows.View, Dim);
        KernelHarness.AssertClose<T>(PosteriorReference.NegLogQDiagonal(KernelHarness.Rounded<T>(eps), KernelHarness.Rounded<T>(lv), Dim), KernelHarness.Download(rows), 4 * Dim, "diagonal");
        using var rowsFull = KernelHarness.Poisoned<T>(Rows);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(PosteriorKernels.NegLogQLowerTriangularForward)(rowLoop.Threads, rowLoop, bEps.View, bL.View, rowsFull.View, Dim);
        KernelHarness.AssertClose<T>(PosteriorReference.NegLogQLowerTriangular(KernelHarness.Rounded<T>(eps), KernelHarness.Rounded<T>(l), Dim), KernelHarness.Download(rowsFull), 4 * Dim, "full");
    }

    static void Backward<T>(int shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var d = KernelHarness.Gpu;
        var (_, lv, l) = Inputs(shape + 7);
        const double g = 1.7, scale = 0.25;
        using var grad = KernelHarness.Upload<T>([g]);
        using var bL = KernelHarness.Upload<T>(l);
        using var dLv = KernelHarness.Poisoned<T>(lv.Length);
        var loop = KernelHarness.Shape(shape, lv.Length);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, T, T>(PosteriorKernels.NegLogQDiagonalBackward)(loop.Threads, loop, grad.View, dLv.View, T.CreateTruncating(scale), T.Zero);
        KernelHarness.AssertClose<T>(lv.Select(_ => g * scale * 0.5).ToArray(), KernelHarness.Download(dLv), 2, "dlogvar");

        using var dL = KernelHarness.Poisoned<T>(l.Length);
        var lLoop = KernelHarness.Shape(shape, l.Length);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T, T>(PosteriorKernels.NegLogQLowerTriangularBackward)(
            lLoop.Threads, lLoop, bL.View, grad.View, dL.View, Dim, T.CreateTruncating(scale), T.Zero);
        var lr = KernelHarness.Rounded<T>(l);
        var expected = lr.Select((v, k) => k % (Dim * Dim) / Dim == k % Dim ? g * scale / v : 0).ToArray();
        KernelHarness.AssertClose<T>(expected, KernelHarness.Download(dL), 4, "dL");

        using var raw = KernelHarness.Upload<T>(l);
        using var upstream = KernelHarness.Upload<T>(lr.Select((_, k) => 0.1 * (k % 7 + 1)).ToArray());
        using var dRaw = KernelHarness.Poisoned<T>(l.Length);
        d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(PosteriorKernels.TriangularFactorBackward)(
            lLoop.Threads, lLoop, raw.View, upstream.View, dRaw.View, Dim, T.Zero);
        var up = KernelHarness.Rounded<T>(lr.Select((_, k) => 0.1 * (k % 7 + 1)).ToArray());
        var expectedRaw = lr.Select((v, k) =>
        {
            int i = k % (Dim * Dim) / Dim, j = k % Dim;
            return j < i ? up[k] : j == i ? up[k] * LossReference.Sigmoid(v) : 0;
        }).ToArray();
        KernelHarness.AssertClose<T>(expectedRaw, KernelHarness.Download(dRaw), 4, "draw");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Forward_kernels_match_the_reference(int shape)
    {
        Forward<float>(shape);
        Forward<double>(shape);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Backward_kernels_match_the_analytic_derivatives(int shape)
    {
        Backward<float>(shape);
        Backward<double>(shape);
    }
}
