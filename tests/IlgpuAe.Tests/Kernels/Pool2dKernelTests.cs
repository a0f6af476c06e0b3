using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using ILGPU;
using ILGPU.Runtime;
using IlgpuAe.Compute;
using IlgpuAe.Kernels;
using Xunit;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// Max-pooling, average pooling and nearest-neighbour upsampling, forward and backward, through the launcher (the float CPU
/// bodies; the generic kernels in double) against the 4-D double reference, every output poisoned with NaN first; the generic
/// float kernels on every launch shape give the CPU bodies' bits.
/// </summary>
public class Pool2dKernelTests
{
    /// <summary>(batch, channels, height, width, factor) of the fine grid: even, odd (cropped last row and column), 3×3 windows, one window, F = 1.</summary>
    public static readonly (int B, int C, int H, int W, int F)[] Shapes =
    [
        (2, 3, 4, 6, 2),
        (1, 2, 5, 7, 2),
        (3, 1, 9, 6, 3),
        (1, 1, 2, 2, 2),
        (2, 2, 3, 4, 1),
    ];

    static readonly Pool2dMode[] Modes = [Pool2dMode.Max, Pool2dMode.Average, Pool2dMode.NearestUpsample];

    public static TheoryData<int, Pool2dMode, bool> Cases()
    {
        var data = new TheoryData<int, Pool2dMode, bool>();
        for (int i = 0; i < Shapes.Length; i++)
            foreach (var mode in Modes)
            {
                data.Add(i, mode, false);
                data.Add(i, mode, true);
            }
        return data;
    }

    // An upsampling's shape is built from its coarse side, so the fine grid is exact.
    static Pool2dShape ShapeOf(int i, Pool2dMode mode)
    {
        var c = Shapes[i];
        return mode == Pool2dMode.NearestUpsample
            ? Pool2dShape.Upsampling(c.B, c.C, Math.Max(1, c.H / c.F), Math.Max(1, c.W / c.F), c.F)
            : new Pool2dShape(c.B, c.C, c.H, c.W, c.F);
    }

    static double[] ReferenceForward(Pool2dShape s, Pool2dMode mode, double[] x) => mode switch
    {
        Pool2dMode.Max => Pool2dReference.MaxPool(s, x).Y,
        Pool2dMode.Average => Pool2dReference.AvgPool(s, x),
        _ => Pool2dReference.Upsample(s, x),
    };

    static double[] ReferenceBackward(Pool2dShape s, Pool2dMode mode, double[] x, double[] dy) => mode switch
    {
        Pool2dMode.Max => Pool2dReference.MaxPoolBackward(s, x, dy),
        Pool2dMode.Average => Pool2dReference.AvgPoolBackward(s, dy),
        _ => Pool2dReference.UpsampleBackward(s, dy),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_and_backward_match_the_reference(int shape, Pool2dMode mode, bool inDouble)
    {
        if (inDouble) Passes<double>(ShapeOf(shape, mode), mode); else Passes<float>(ShapeOf(shape, mode), mode);
    }

    static void Passes<T>(Pool2dShape s, Pool2dMode mode) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var d = TestDevice.Cpu;
        var (inLength, outLength) = Pool2dLaunch.Lengths(s, mode);
        double[] x = Rounded<T>(RandomValues(1, (int)inLength)), dy = Rounded<T>(RandomValues(2, (int)outLength));
        using var xb = Upload<T>(x);
        using var y = Poisoned<T>((int)outLength);
        Pool2dLaunch.Forward<T>(d, mode, s, xb.View, y.View);
        AssertClose<T>(ReferenceForward(s, mode, x), Download(y), s.Factor * s.Factor, $"{mode} {s}");

        using var dyb = Upload<T>(dy);
        using var dx = Poisoned<T>((int)inLength);
        Pool2dLaunch.Backward(d, mode, s, xb.View, dyb.View, dx.View, T.Zero);
        AssertClose<T>(ReferenceBackward(s, mode, x, dy), Download(dx), s.Factor * s.Factor, $"{mode} backward {s}");

        // beta = 1 adds to what is there.
        var prior = Rounded<T>(RandomValues(3, (int)inLength));
        using var acc = Upload<T>(prior);
        Pool2dLaunch.Backward(d, mode, s, xb.View, dyb.View, acc.View, T.One);
        var expected = ReferenceBackward(s, mode, x, dy).Zip(prior, (g, p) => g + p).ToArray();
        AssertClose<T>(expected, Download(acc), s.Factor * s.Factor + 1, $"{mode} backward, beta 1, {s}");
    }

    [Fact]
    public void The_generic_float_kernels_give_the_CPU_bodies_bits_on_every_launch_shape()
    {
        var d = TestDevice.Cpu;
        var pool = new Pool2dShape(3, 4, 7, 9, 2);
        var up = Pool2dShape.Upsampling(3, 4, 3, 5, 2);
        double[] fine = RandomValues(4, (int)pool.FineLength), coarse = RandomValues(5, (int)pool.CoarseLength);
        double[] upCoarse = RandomValues(6, (int)up.CoarseLength), upFine = RandomValues(7, (int)up.FineLength);
        foreach (var mode in Modes)
        {
            var s = mode == Pool2dMode.NearestUpsample ? up : pool;
            var (x, g) = mode == Pool2dMode.NearestUpsample ? (upCoarse, upFine) : (fine, coarse);
            var (inLength, outLength) = Pool2dLaunch.Lengths(s, mode);
            using var xb = Upload<float>(x);
            using var gb = Upload<float>(g);
            using var cpuY = Poisoned<float>((int)outLength);
            using var cpuDx = Upload<float>(RandomValues(8, (int)inLength));
            Pool2dLaunch.Forward<float>(d, mode, s, xb.View, cpuY.View);
            Pool2dLaunch.Backward(d, mode, s, xb.View, gb.View, cpuDx.View, 1f);
            for (int shape = 0; shape < ShapeCount; shape++)
            {
                var loop = Shape(shape, s.Planes);
                using var y = Poisoned<float>((int)outLength);
                using var dx = Upload<float>(RandomValues(8, (int)inLength));
                Generic(d, mode, loop, s, xb.View, gb.View, y.View, dx.View);
                Assert.Equal(Download(cpuY), Download(y));
                Assert.Equal(Download(cpuDx), Download(dx));
            }
        }
    }

    static void Generic(Device d, Pool2dMode mode, Loop loop, Pool2dShape s, ArrayView<float> x, ArrayView<float> g, ArrayView<float> y, ArrayView<float> dx)
    {
        var forward = d.Load<Loop, Pool2dShape, ArrayView<float>, ArrayView<float>>(mode switch
        {
            Pool2dMode.Max => Pool2dKernels.MaxPool,
            Pool2dMode.Average => Pool2dKernels.AvgPool,
            _ => Pool2dKernels.Upsample,
        });
        forward(loop.Threads, loop, s, x, y);
        if (mode == Pool2dMode.Max)
            d.Load<Loop, Pool2dShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>(Pool2dKernels.MaxPoolBackward)(loop.Threads, loop, s, x, g, dx, 1f);
        else
            d.Load<Loop, Pool2dShape, ArrayView<float>, ArrayView<float>, float>(
                mode == Pool2dMode.Average ? Pool2dKernels.AvgPoolBackward : Pool2dKernels.UpsampleBackward)(loop.Threads, loop, s, g, dx, 1f);
    }

    [Fact]
    public void Max_pooling_sends_the_gradient_to_the_first_maximum_of_a_tie_and_a_NaN_wins_its_window()
    {
        // One 2x4 plane, two windows: [1 3 | 5 NaN] over [3 0 | 7 2]. Window 0 ties at 3 (row-major first: index 1); window 1 holds a NaN.
        var s = new Pool2dShape(1, 1, 2, 4, 2);
        double[] x = [1, 3, 5, double.NaN, 3, 0, 7, 2];
        foreach (bool inDouble in new[] { false, true })
        {
            var (y, dx) = inDouble ? MaxOf<double>(s, x) : MaxOf<float>(s, x);
            Assert.Equal(3, y[0]);
            Assert.True(double.IsNaN(y[1]), $"a window holding NaN gives NaN, got {y[1]}");
            Assert.Equal(new double[] { 0, 10, 0, 20, 0, 0, 0, 0 }, dx);
        }
    }

    static (double[] Y, double[] Dx) MaxOf<T>(Pool2dShape s, double[] x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var xb = Upload<T>(x);
        using var y = Poisoned<T>((int)s.CoarseLength);
        using var dy = Upload<T>([10, 20]);
        using var dx = Poisoned<T>((int)s.FineLength);
        Pool2dLaunch.Forward<T>(TestDevice.Cpu, Pool2dMode.Max, s, xb.View, y.View);
        Pool2dLaunch.Backward(TestDevice.Cpu, Pool2dMode.Max, s, xb.View, dy.View, dx.View, T.Zero);
        return (Download(y), Download(dx));
    }

    static Gen<(Pool2dShape S, int Seed)> RandomShapes =>
        from b in Gen.Choose(1, 3) from c in Gen.Choose(1, 3) from h in Gen.Choose(1, 4) from w in Gen.Choose(1, 4) from f in Gen.Choose(1, 3)
        from seed in Gen.Choose(1, 100000)
        select (Pool2dShape.Upsampling(b, c, h, w, f), seed);

    [Fact]
    public void Upsampling_is_F_squared_times_the_adjoint_of_average_pooling_on_the_device()
    {
        // <avgpool(x), y> = <x, upsample(y)> / F²: the two kernels are each other's transpose up to the window's area.
        var d = TestDevice.Cpu;
        Prop.ForAll(RandomShapes.ToArbitrary(), c =>
        {
            var s = c.S;
            double[] x = RandomValues(c.Seed, (int)s.FineLength), yv = RandomValues(c.Seed + 1, (int)s.CoarseLength);
            using var xb = Upload<double>(x);
            using var yb = Upload<double>(yv);
            using var pooled = Poisoned<double>((int)s.CoarseLength);
            using var upsampled = Poisoned<double>((int)s.FineLength);
            Pool2dLaunch.Forward<double>(d, Pool2dMode.Average, s, xb.View, pooled.View);
            Pool2dLaunch.Forward<double>(d, Pool2dMode.NearestUpsample, s, yb.View, upsampled.View);
            double left = Download(pooled).Zip(yv, (p, q) => p * q).Sum();
            double right = Download(upsampled).Zip(x, (p, q) => p * q).Sum() / (s.Factor * s.Factor);
            Assert.True(Math.Abs(left - right) <= 1e-12 * (1 + Math.Abs(left)), $"{s}: {left:R} vs {right:R}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(15).WithQuietOnSuccess(true));
    }

    [Fact]
    public void The_reference_backward_passes_are_the_adjoints_of_the_reference_forward_passes()
    {
        // <f(x), dy> is linear in x for average pooling and upsampling, and piecewise linear for max-pooling, so
        // <dx, x> = <f(x), dy> exactly for each (max-pooling routes each dy to the element whose value it took).
        Prop.ForAll(RandomShapes.ToArbitrary(), c =>
        {
            var s = c.S;
            foreach (var mode in Modes)
            {
                var (inLength, outLength) = Pool2dLaunch.Lengths(s, mode);
                double[] x = RandomValues(c.Seed, (int)inLength), dy = RandomValues(c.Seed + 1, (int)outLength);
                double left = ReferenceForward(s, mode, x).Zip(dy, (p, q) => p * q).Sum();
                double right = ReferenceBackward(s, mode, x, dy).Zip(x, (p, q) => p * q).Sum();
                Assert.True(Math.Abs(left - right) <= 1e-12 * (1 + Math.Abs(left)), $"{mode} {s}: {left:R} vs {right:R}");
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(15).WithQuietOnSuccess(true));
    }

    [Fact]
    public void Shapes_that_cannot_run_are_refused_with_the_reason()
    {
        Assert.Contains("larger than the 1x4 image", new Pool2dShape(1, 1, 1, 4, 2).Problem());
        Assert.Contains("positive", new Pool2dShape(0, 1, 4, 4, 2).Problem());
        Assert.Contains("window of at least 1", new Pool2dShape(1, 1, 4, 4, 0).Problem());
        var e = Assert.Throws<IlgpuAeException>(() => Pool2dLaunch.Validate(new Pool2dShape(1, 1, 5, 4, 2), Pool2dMode.NearestUpsample));
        Assert.Contains("multiple of 2, not 5x4", e.Message);
        using var x = Poisoned<float>(15);
        using var y = Poisoned<float>(4);
        var wrong = Assert.Throws<ArgumentException>(() => Pool2dLaunch.Forward<float>(TestDevice.Cpu, Pool2dMode.Max, new Pool2dShape(1, 1, 4, 4, 2), x.View, y.View));
        Assert.Contains("input side has 15 elements, expected 16", wrong.Message);
    }
}
