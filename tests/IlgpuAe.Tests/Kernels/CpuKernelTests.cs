using ILGPU;
using IlgpuAe.Kernels;
using IlgpuAe.Ops;
using Xunit;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// The float CPU-accelerator kernels (.NET bodies behind ILGPU intrinsics) against the same double references as
/// the generic kernels they replace, on awkward sizes (vector tails, one element, fewer elements than threads) and
/// every launch shape, outputs poisoned with NaN.
/// </summary>
public sealed class CpuKernelTests
{
    public static TheoryData<int, int> Cases() => SizesAndShapes();

    public static TheoryData<int, int, int> MatrixCases()
    {
        var data = new TheoryData<int, int, int>();
        foreach (var (rows, cols) in new[] { (1, 1), (1, 37), (7, 1), (7, 64), (33, 130), (128, 784) })
            for (int s = 0; s < ShapeCount; s++) data.Add(rows, cols, s);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Adam_and_AdamW_follow_the_reference_step_for_step(int n, int shape)
    {
        const double lr = 0.01, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, wd = 0.05;
        foreach (bool decoupled in new[] { false, true })
        {
            var p = RandomValues(2, n);
            double[] m = new double[n], v = new double[n];
            using var dp = Upload<float>(p);
            using var dm = Upload<float>(m);
            using var dv = Upload<float>(v);
            var loop = Shape(shape, n);
            var adam = Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamScalars>(CpuKernels.Adam);
            for (int step = 1; step <= 6; step++)
            {
                var g = RandomValues(200 + step, n);
                using var dg = Upload<float>(g);
                var s = new AdamScalars((float)lr, (float)beta1, (float)beta2, (float)eps, (float)wd,
                    (float)(1 - Math.Pow(beta1, step)), (float)(1 - Math.Pow(beta2, step)), decoupled);
                adam(loop.Threads, loop, dp.View, dg.View, dm.View, dv.View, s);
                OptimizerReference.Adam(p, g, m, v, step, lr, beta1, beta2, eps, wd, decoupled);
            }
            AssertClose<float>(p, Download(dp), scale: 60, what: "parameters");
            AssertClose<float>(m, Download(dm), scale: 60, what: "first moment");
            AssertClose<float>(v, Download(dv), scale: 60, what: "second moment");
        }
    }

    [Fact]
    public void Adam_fast_body_stays_with_the_double_reference_over_500_steps()
    {
        // Issue 3's VAE gap: a slow drift of the float body (from where ε enters, or the bias corrections) would show only
        // late in training. Gradients span six orders of magnitude, as a VAE's layers do; the step is lr 1e-3 as there.
        const int n = 4099, steps = 500;
        const double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
        var p = RandomValues(17, n);
        double[] m = new double[n], v = new double[n];
        using var dp = Upload<float>(p);
        using var dm = Upload<float>(m);
        using var dv = Upload<float>(v);
        var loop = Shape(0, n);
        var adam = Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamScalars>(CpuKernels.Adam);
        var start = (double[])p.Clone();
        for (int step = 1; step <= steps; step++)
        {
            var noise = RandomValues(1000 + step, n);
            // Round the gradient to float first: the reference then sees exactly what the kernel sees.
            var g = Enumerable.Range(0, n).Select(i => (double)(float)(Math.Pow(10, -(i % 7)) * (0.3 * p[i] + noise[i]))).ToArray();
            using var dg = Upload<float>(g);
            var s = new AdamScalars((float)lr, (float)beta1, (float)beta2, (float)eps, 0f,
                (float)(1 - Math.Pow(beta1, step)), (float)(1 - Math.Pow(beta2, step)), false);
            adam(loop.Threads, loop, dp.View, dg.View, dm.View, dv.View, s);
            OptimizerReference.Adam(p, g, m, v, step, lr, beta1, beta2, eps, 0, false);
        }
        var got = Download(dp);
        double moved = Enumerable.Range(0, n).Average(i => Math.Abs(p[i] - start[i]));
        Assert.True(moved > 0.01, $"the parameters moved only {moved:E2} on average");
        for (int i = 0; i < n; i++)
            Assert.True(Math.Abs(got[i] - p[i]) < 2e-5, $"element {i}: fast {got[i]:R}, reference {p[i]:R} after {steps} steps");
    }

    [Theory, MemberData(nameof(Cases))]
    public void SquaredNorm_partials_add_up_to_the_reference(int n, int shape)
    {
        var x = RandomValues(n + 5, n);
        var loop = Shape(shape, n);
        using var dx = Upload<float>(x);
        using var partial = Poisoned<float>(loop.Threads);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>>(CpuKernels.SquaredNorm)(loop.Threads, loop, dx.View, partial.View);
        var parts = Download(partial);
        Assert.All(parts, v => Assert.False(double.IsNaN(v), "a thread left its partial unwritten"));
        Assert.Equal(ReductionReference.SquaredNorm(x), parts.Sum(), Tolerance<float>() * n * 8);
    }

    [Theory, MemberData(nameof(MatrixCases))]
    public void ColumnSums_match_the_reference_and_the_generic_kernel_bit_for_bit(int rows, int cols, int shape)
    {
        var x = RandomValues(rows * 31 + cols, rows * cols);
        using var dx = Upload<float>(x);
        var loop = Shape(shape, cols);
        var fast = Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, int, float, float>(CpuKernels.ColumnSums);
        using var y = Poisoned<float>(cols);
        fast(loop.Threads, loop, dx.View, y.View, rows, 0.25f, 0f);
        var expected = ReductionReference.ColumnSums(x, rows, cols, 0.25);
        var got = Download(y);
        AssertClose<float>(expected, got, scale: rows, what: "column sums");

        // Same order of additions per column as ReductionKernels.ColumnSums: the same bits.
        using var generic = Poisoned<float>(cols);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, int, float, float>(ReductionKernels.ColumnSums)(loop.Threads, loop, dx.View, generic.View, rows, 0.25f, 0f);
        Assert.Equal(Download(generic), got);

        var prior = RandomValues(10, cols);
        using var acc = Upload<float>(prior);
        fast(loop.Threads, loop, dx.View, acc.View, rows, 0.25f, 0.5f);
        AssertClose<float>(expected.Select((v, i) => 0.5 * prior[i] + v).ToArray(), Download(acc), scale: rows, what: "column sums, beta=0.5");
    }

    public static TheoryData<Activation, int, int> ActivationCases()
    {
        var data = new TheoryData<Activation, int, int>();
        foreach (var f in Enum.GetValues<Activation>())
            foreach (int n in Sizes)
                data.Add(f, n, n % ShapeCount);
        return data;
    }

    [Theory, MemberData(nameof(ActivationCases))]
    public void ActivationForward_matches_the_reference_and_maps_nan_as_the_generic_kernel(Activation f, int n, int shape)
    {
        const double a = 0.3;
        var x = Rounded<float>(RandomValues(n + (int)f, n, -30, 30)); // far into both tails of the sigmoid
        if (n > 2) x[1] = double.NaN;
        using var dx = Upload<float>(x);
        using var y = Poisoned<float>(n);
        var loop = Shape(shape, n);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, float, int>(CpuKernels.ActivationForward)(loop.Threads, loop, dx.View, y.View, (float)a, (int)f);
        var got = Download(y);
        var finite = Enumerable.Range(0, n).Where(i => !double.IsNaN(x[i])).ToArray();
        AssertClose<float>(finite.Select(i => ActivationReference.Forward(f, x[i], a)).ToArray(), finite.Select(i => got[i]).ToArray(), 8, $"{f} forward");
        if (n > 2)
        {
            using var generic = Poisoned<float>(n);
            ActivationOp<float>.LaunchForwardWith(Gpu, f, dx.View, generic.View, (float)a, loop);
            Assert.Equal(double.IsNaN(Download(generic)[1]), double.IsNaN(got[1]));
        }
    }

    [Theory, MemberData(nameof(ActivationCases))]
    public void ActivationBackward_matches_the_reference_derivative(Activation f, int n, int shape)
    {
        const double a = 0.3;
        var x = Rounded<float>(RandomValues(n + (int)f, n, -4, 4));
        var y = Rounded<float>(x.Select(v => ActivationReference.Forward(f, v, a)).ToArray());
        var dy = Rounded<float>(RandomValues(2 * n + 1, n));
        using var dyv = Upload<float>(y);
        using var ddy = Upload<float>(dy);
        using var grad = Poisoned<float>(n);
        var loop = Shape(shape, n);
        var k = Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, int>(CpuKernels.ActivationBackward);
        k(loop.Threads, loop, dyv.View, ddy.View, grad.View, (float)a, 0f, (int)f);
        AssertClose<float>(x.Select((v, i) => dy[i] * ActivationReference.Derivative(f, v, a)).ToArray(), Download(grad), 64, $"{f} backward");

        var old = RandomValues(7, n);
        using var accumulated = Upload<float>(old);
        k(loop.Threads, loop, dyv.View, ddy.View, accumulated.View, (float)a, 1f, (int)f);
        AssertClose<float>(x.Select((v, i) => old[i] + dy[i] * ActivationReference.Derivative(f, v, a)).ToArray(), Download(accumulated), 64,
            $"{f} backward, beta=1");
    }

    [Theory, MemberData(nameof(MatrixCases))]
    public void Bce_forward_and_backward_match_the_reference(int rows, int cols, int shape)
    {
        int n = rows * cols;
        var z = RandomValues(n + 3, n, -30, 30); // far into both tails, where a naive form overflows
        var x = RandomValues(n + 4, n, 0, 1);
        using var dz = Upload<float>(z);
        using var dx = Upload<float>(x);
        using var loss = Poisoned<float>(rows);
        var rowLoop = Shape(shape, rows);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(CpuKernels.BceForward)(
            rowLoop.Threads, rowLoop, dz.View, dx.View, loss.View, cols);
        AssertClose<float>(LossReference.BceWithLogits(Rounded<float>(z), Rounded<float>(x), rows, cols), Download(loss),
            scale: 64, what: "BCE row losses");

        using var g = Upload<float>([1.5]);
        using var grad = Poisoned<float>(n);
        var loop = Shape(shape, n);
        var back = Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float>(CpuKernels.BceBackward);
        back(loop.Threads, loop, dz.View, dx.View, g.View, grad.View, 0.5f, 0f);
        var expected = LossReference.BceWithLogitsGrad(Rounded<float>(z), Rounded<float>(x), 0.75);
        AssertClose<float>(expected, Download(grad), scale: 4, what: "BCE gradient");

        var old = RandomValues(8, n);
        using var accumulated = Upload<float>(old);
        back(loop.Threads, loop, dz.View, dx.View, g.View, accumulated.View, 0.5f, 1f);
        AssertClose<float>(expected.Select((v, i) => old[i] + v).ToArray(), Download(accumulated), scale: 4, what: "BCE gradient, beta=1");
    }

    [Theory, MemberData(nameof(Cases))]
    public void Normal_matches_the_reference_and_the_generic_kernel_bit_for_bit(int n, int shape)
    {
        // Large seed and stream words, so that the high halves of the Philox counter and key are exercised.
        const ulong seed = 0x299f31d0a4093822ul, stream = 0x0370734413198a2eul;
        var loop = Shape(shape, n);
        using var y = Poisoned<float>(n);
        Gpu.Load<Loop, ArrayView<float>, ulong, ulong, ulong, float, float>(CpuKernels.Normal)(loop.Threads, loop, y.View, seed, stream, 0, 1.5f, 2f);
        var got = Download(y);
        Assert.All(got, v => Assert.False(double.IsNaN(v), "an element was left unwritten"));
        AssertClose<float>(Enumerable.Range(0, n).Select(i => RandomReference.Normal(seed, stream, i, 23, 1.5, 2)).ToArray(), got,
            scale: 4, what: "normal");

        // The generic kernel, in every launch shape, gives the same bits (the engine's runs repeat whichever path draws).
        using var generic = Poisoned<float>(n);
        Gpu.Load<Loop, ArrayView<float>, ulong, ulong, ulong, float, float>(RandomKernels.Normal)(loop.Threads, loop, generic.View, seed, stream, 0, 1.5f, 2f);
        Assert.Equal(Download(generic), got);
    }

    [Fact]
    public void The_cpu_normal_and_corruption_bodies_count_from_first_as_the_generic_kernels_do()
    {
        const int n = 777, first = 12_345;
        var loop = Shape(1, n);
        using var fast = Poisoned<float>(n);
        using var generic = Poisoned<float>(n);
        Gpu.Load<Loop, ArrayView<float>, ulong, ulong, ulong, float, float>(CpuKernels.Normal)(loop.Threads, loop, fast.View, 3, 4, first, 0f, 1f);
        Gpu.Load<Loop, ArrayView<float>, ulong, ulong, ulong, float, float>(RandomKernels.Normal)(loop.Threads, loop, generic.View, 3, 4, first, 0f, 1f);
        Assert.Equal(Download(generic), Download(fast));
        using var x = Upload<float>(RandomValues(5, n));
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, ulong, ulong, float>(CpuKernels.MaskingNoise)(loop.Threads, loop, x.View, fast.View, 3, 4, first, 0.25f);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, ulong, ulong, float>(CorruptionKernels.MaskingNoise)(loop.Threads, loop, x.View, generic.View, 3, 4, first, 0.25f);
        Assert.Equal(Download(generic), Download(fast));
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, ulong, ulong, float>(CpuKernels.GaussianNoise)(loop.Threads, loop, x.View, fast.View, 3, 4, first, 0.3f);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, ulong, ulong, float>(CorruptionKernels.GaussianNoise)(loop.Threads, loop, x.View, generic.View, 3, 4, first, 0.3f);
        Assert.Equal(Download(generic), Download(fast));
    }

    [Theory, MemberData(nameof(Cases))]
    public void Gaussian_and_masking_corruption_give_the_generic_kernels_bits(int n, int shape)
    {
        const ulong seed = 0x299f31d0a4093822ul, stream = 0x0370734413198a2eul;
        var x = RandomValues(n + 11, n, 0, 1);
        using var dx = Upload<float>(x);
        var loop = Shape(shape, n);
        foreach (bool gaussian in new[] { true, false })
        {
            using var fast = Poisoned<float>(n);
            using var generic = Poisoned<float>(n);
            if (gaussian)
            {
                Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, ulong, ulong, float>(CpuKernels.GaussianNoise)(loop.Threads, loop, dx.View, fast.View, seed, stream, 0, 0.3f);
                Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, ulong, ulong, float>(CorruptionKernels.GaussianNoise)(loop.Threads, loop, dx.View, generic.View, seed, stream, 0, 0.3f);
            }
            else
            {
                Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, ulong, ulong, float>(CpuKernels.MaskingNoise)(loop.Threads, loop, dx.View, fast.View, seed, stream, 0, 0.25f);
                Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ulong, ulong, ulong, float>(CorruptionKernels.MaskingNoise)(loop.Threads, loop, dx.View, generic.View, seed, stream, 0, 0.25f);
            }
            var got = Download(fast);
            Assert.All(got, v => Assert.False(double.IsNaN(v), "an element was left unwritten"));
            Assert.Equal(Download(generic), got);
        }
    }
}
