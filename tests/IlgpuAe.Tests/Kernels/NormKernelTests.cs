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
/// BatchNorm2d (batch and running statistics) and GroupNorm, forward and backward, through the launcher (float CPU bodies;
/// generic kernels in double) against the double reference, with outputs and scratch poisoned with NaN; the running update
/// as nn.BatchNorm2d's; the CPU bodies' bits against the generic float kernels on every launch shape.
/// </summary>
public class NormKernelTests
{
    const double Eps = 1e-5;

    /// <summary>(batch, channels, plane, groups; 0 groups = BatchNorm).</summary>
    public static readonly (int B, int C, int P, int G)[] Shapes =
    [
        (3, 4, 6, 0),
        (2, 1, 5, 0),
        (4, 3, 1, 0),
        (2, 6, 4, 3),
        (3, 4, 5, 1),
        (1, 4, 3, 4),
    ];

    static NormShape ShapeOf(int i) => Shapes[i].G == 0
        ? NormShape.BatchNorm(Shapes[i].B, Shapes[i].C, Shapes[i].P)
        : NormShape.GroupNorm(Shapes[i].B, Shapes[i].C, Shapes[i].P, Shapes[i].G);

    public static TheoryData<int, NormStatistics, bool> Cases()
    {
        var data = new TheoryData<int, NormStatistics, bool>();
        for (int i = 0; i < Shapes.Length; i++)
            foreach (var st in Shapes[i].G == 0 ? new[] { NormStatistics.Batch, NormStatistics.Running } : [NormStatistics.Batch])
            {
                data.Add(i, st, false);
                data.Add(i, st, true);
            }
        return data;
    }

    static double[] Positive(int seed, int n) => RandomValues(seed, n, 0.5, 2);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_and_backward_match_the_reference(int shape, NormStatistics statistics, bool inDouble)
    {
        if (inDouble) Passes<double>(ShapeOf(shape), statistics); else Passes<float>(ShapeOf(shape), statistics);
    }

    static void Passes<T>(NormShape s, NormStatistics statistics) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var d = TestDevice.Cpu;
        // Offsets per element so the statistics are not those of a centred, unit-variance draw.
        double[] x = Rounded<T>(RandomValues(1, (int)s.Length).Select((v, i) => 3 * v + i % 5).ToArray());
        double[] gamma = Rounded<T>(RandomValues(2, s.Channels)), beta = Rounded<T>(RandomValues(3, s.Channels));
        double[] dy = Rounded<T>(RandomValues(4, (int)s.Length));
        double[] rm = Rounded<T>(RandomValues(5, s.Channels)), rv = Rounded<T>(Positive(6, s.Channels));
        bool batchNorm = s.Batchwise;
        using var xb = Upload<T>(x);
        using var gb = Upload<T>(gamma);
        using var bb = Upload<T>(beta);
        using var dyb = Upload<T>(dy);
        using var rmb = Upload<T>(rm);
        using var rvb = Upload<T>(rv);
        using var y = Poisoned<T>((int)s.Length);
        using var scratch = Poisoned<T>((int)NormLaunch.Scratch(s));
        ArrayView<T> runMean = batchNorm ? rmb.View : default, runVar = batchNorm ? rvb.View : default;
        T momentum = T.CreateTruncating(0.1), eps = T.CreateTruncating(Eps);
        NormLaunch.Forward(d, s, xb.View, gb.View, bb.View, y.View, eps, statistics, runMean, runVar, momentum, scratch.View);

        var (mean, variance) = statistics == NormStatistics.Running ? (rm, rv) : NormReference.Statistics(s, x);
        double scale = typeof(T) == typeof(float) ? 50 : 20; // x̂ amplifies x's rounding by 1/σ
        AssertClose<T>(NormReference.Forward(s, x, gamma, beta, mean, variance, Eps), Download(y), scale, $"{s} {statistics} y");
        if (batchNorm && statistics == NormStatistics.Batch)
        {
            double unbias = s.Count / (s.Count - 1.0);
            AssertClose<T>(rm.Select((r, c) => 0.9 * r + 0.1 * mean[c]).ToArray(), Download(rmb), 4, "running mean");
            AssertClose<T>(rv.Select((r, c) => 0.9 * r + 0.1 * variance[c] * unbias).ToArray(), Download(rvb), scale, "running variance");
        }
        else if (batchNorm)
        {
            Assert.Equal(rm, Download(rmb));
            Assert.Equal(rv, Download(rvb));
        }

        // Backward with the running statistics as they are now (the reference reads the same values).
        var (nowMean, nowVar) = (Download(rmb), Download(rvb));
        using var dx = Poisoned<T>((int)s.Length);
        using var dg = Poisoned<T>(s.Channels);
        using var db = Poisoned<T>(s.Channels);
        using var scratch2 = Poisoned<T>((int)NormLaunch.Scratch(s));
        NormLaunch.Backward(d, s, xb.View, gb.View, dyb.View, dx.View, T.Zero, dg.View, T.Zero, db.View, T.Zero, eps, statistics,
            runMean, runVar, scratch2.View);
        var (edx, edg, edb) = NormReference.Backward(s, x, gamma, dy, Eps, statistics == NormStatistics.Running ? (nowMean, nowVar) : null);
        double terms = s.Count;
        AssertClose<T>(edx, Download(dx), scale * Math.Sqrt(terms), $"{s} {statistics} dx");
        AssertClose<T>(edg, Download(dg), scale * terms, $"{s} {statistics} dγ");
        AssertClose<T>(edb, Download(db), terms, $"{s} {statistics} dβ");
    }

    [Fact]
    public void Backward_with_beta_one_adds_to_the_gradients_already_there()
    {
        var s = NormShape.GroupNorm(2, 4, 3, 2);
        var d = TestDevice.Cpu;
        double[] x = RandomValues(7, (int)s.Length), gamma = RandomValues(8, 4), dy = RandomValues(9, (int)s.Length);
        double[] px = RandomValues(10, (int)s.Length), pg = RandomValues(11, 4), pb = RandomValues(12, 4);
        using var xb = Upload<double>(x);
        using var gb = Upload<double>(gamma);
        using var dyb = Upload<double>(dy);
        using var dx = Upload<double>(px);
        using var dg = Upload<double>(pg);
        using var db = Upload<double>(pb);
        using var scratch = Poisoned<double>((int)NormLaunch.Scratch(s));
        NormLaunch.Backward(d, s, xb.View, gb.View, dyb.View, dx.View, 1.0, dg.View, 1.0, db.View, 1.0, Eps, NormStatistics.Batch, default, default, scratch.View);
        var (edx, edg, edb) = NormReference.Backward(s, x, gamma, dy, Eps);
        AssertClose<double>(edx.Zip(px, (a, b) => a + b).ToArray(), Download(dx), 100, "dx");
        AssertClose<double>(edg.Zip(pg, (a, b) => a + b).ToArray(), Download(dg), 100, "dγ");
        AssertClose<double>(edb.Zip(pb, (a, b) => a + b).ToArray(), Download(db), 100, "dβ");
    }

    [Fact]
    public void The_CPU_bodies_give_the_generic_float_kernels_bits_on_every_launch_shape()
    {
        var d = TestDevice.Cpu;
        foreach (var s in new[] { NormShape.BatchNorm(3, 5, 7), NormShape.GroupNorm(3, 6, 7, 2) })
        {
            double[] x = RandomValues(13, (int)s.Length), gamma = RandomValues(14, s.Channels), beta = RandomValues(15, s.Channels), dy = RandomValues(16, (int)s.Length);
            using var xb = Upload<float>(x);
            using var gb = Upload<float>(gamma);
            using var bb = Upload<float>(beta);
            using var dyb = Upload<float>(dy);
            using var y = Poisoned<float>((int)s.Length);
            using var dx = Poisoned<float>((int)s.Length);
            using var dg = Poisoned<float>(s.Channels);
            using var db = Poisoned<float>(s.Channels);
            using var scratch = Poisoned<float>((int)NormLaunch.Scratch(s));
            NormLaunch.Forward(d, s, xb.View, gb.View, bb.View, y.View, 1e-5f, NormStatistics.Batch, default, default, 0f, scratch.View);
            NormLaunch.Backward(d, s, xb.View, gb.View, dyb.View, dx.View, 0f, dg.View, 0f, db.View, 0f, 1e-5f, NormStatistics.Batch, default, default, scratch.View);
            var expected = new[] { Download(y), Download(dx), Download(dg), Download(db) };
            for (int shape = 0; shape < ShapeCount; shape++)
            {
                using var gy = Poisoned<float>((int)s.Length);
                using var gdx = Poisoned<float>((int)s.Length);
                using var gdg = Poisoned<float>(s.Channels);
                using var gdb = Poisoned<float>(s.Channels);
                using var gs = Poisoned<float>((int)NormLaunch.Scratch(s));
                Generic(d, shape, s, xb.View, gb.View, bb.View, dyb.View, gy.View, gdx.View, gdg.View, gdb.View, gs.View);
                Assert.Equal(expected[0], Download(gy));
                Assert.Equal(expected[1], Download(gdx));
                Assert.Equal(expected[2], Download(gdg));
                Assert.Equal(expected[3], Download(gdb));
            }
        }
    }

    static void Generic(Device d, int shape, NormShape s, ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> beta, ArrayView<float> dy,
        ArrayView<float> y, ArrayView<float> dx, ArrayView<float> dg, ArrayView<float> db, ArrayView<float> scratch)
    {
        long n = s.Statistics;
        var (mean, variance, rstd, sums) = (scratch.SubView(0, n), scratch.SubView(n, n), scratch.SubView(2 * n, n), scratch.SubView(3 * n, 2 * n));
        float inv = 1f / s.Count;
        var units = Shape(shape, s.Statistics);
        var planes = Shape(shape, s.Planes);
        var channels = Shape(shape, s.Channels);
        d.Load<Loop, NormShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float>(NormKernels.Statistics)(
            units.Threads, units, s, x, mean, variance, rstd, inv, 1e-5f);
        d.Load<Loop, NormShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(NormKernels.Normalize)(
            planes.Threads, planes, s, x, mean, rstd, gamma, beta, y);
        d.Load<Loop, NormShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, ArrayView<float>, float>(NormKernels.AffineGradients)(
            channels.Threads, channels, s, x, mean, rstd, dy, dg, 0f, db, 0f);
        d.Load<Loop, NormShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(NormKernels.GradientSums)(
            units.Threads, units, s, x, mean, rstd, dy, gamma, sums);
        d.Load<Loop, NormShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, int>(NormKernels.InputGradient)(
            planes.Threads, planes, s, x, mean, rstd, dy, gamma, sums, dx, 0f, inv, 1);
    }

    [Fact]
    public void A_batch_whose_statistics_are_not_finite_leaves_the_running_statistics_as_they_were()
    {
        var s = NormShape.BatchNorm(2, 2, 2);
        double[] x = [1, double.NaN, 3, 4, 5, 6, 7, 8]; // [b, c, p]: channel 0 (1, NaN, 5, 6) holds a NaN, channel 1 (3, 4, 7, 8) does not
        using var xb = Upload<float>(x);
        using var gb = Upload<float>([1, 1]);
        using var bb = Upload<float>([0, 0]);
        using var rm = Upload<float>([0.5, 0.5]);
        using var rv = Upload<float>([2, 2]);
        using var y = Poisoned<float>(8);
        using var scratch = Poisoned<float>((int)NormLaunch.Scratch(s));
        NormLaunch.Forward(TestDevice.Cpu, s, xb.View, gb.View, bb.View, y.View, 1e-5f, NormStatistics.Batch, rm.View, rv.View, 0.1f, scratch.View);
        var mean = Download(rm);
        var variance = Download(rv);
        Assert.Equal(0.5, mean[0]);
        Assert.Equal(2, variance[0]);
        Assert.Equal(0.9 * 0.5 + 0.1 * 5.5, mean[1], 6); // channel 1: 3, 4, 7, 8
        Assert.Equal(0.9 * 2 + 0.1 * (17.0 / 3), variance[1], 5);
    }

    static Gen<(NormShape S, int Seed)> RandomShapes =>
        from b in Gen.Choose(1, 3) from g in Gen.Choose(1, 3) from per in Gen.Choose(1, 2) from p in Gen.Choose(1, 4) from batchwise in Gen.Elements(true, false)
        from seed in Gen.Choose(1, 100000)
        let s = batchwise ? NormShape.BatchNorm(b, g * per, p) : NormShape.GroupNorm(b, g * per, p, g)
        where s.Count >= 2
        select (s, seed);

    [Fact]
    public void The_reference_gradients_match_central_differences_of_the_reference_forward_in_both_modes()
    {
        Prop.ForAll(RandomShapes.ToArbitrary(), c =>
        {
            var s = c.S;
            double[] x = RandomValues(c.Seed, (int)s.Length), gamma = RandomValues(c.Seed + 1, s.Channels), beta = RandomValues(c.Seed + 2, s.Channels);
            double[] r = RandomValues(c.Seed + 3, (int)s.Length);
            var frozen = (Mean: RandomValues(c.Seed + 4, s.Channels), Variance: Positive(c.Seed + 5, s.Channels));
            foreach (bool running in s.Batchwise ? new[] { false, true } : [false])
            {
                double L(double[] xx, double[] gg, double[] bb)
                {
                    var (m, v) = running ? frozen : NormReference.Statistics(s, xx);
                    return NormReference.Forward(s, xx, gg, bb, m, v, Eps).Zip(r, (p, q) => p * q).Sum();
                }
                var (dx, dg, db) = NormReference.Backward(s, x, gamma, r, Eps, running ? frozen : null);
                const double h = 1e-6;
                foreach (var (v, g) in new[] { (x, dx), (gamma, dg), (beta, db) })
                    for (int i = 0; i < v.Length; i++)
                    {
                        double saved = v[i];
                        v[i] = saved + h; double up = L(x, gamma, beta);
                        v[i] = saved - h; double down = L(x, gamma, beta);
                        v[i] = saved;
                        double numeric = (up - down) / (2 * h);
                        Assert.True(Math.Abs(numeric - g[i]) < 1e-5 * (1 + Math.Abs(g[i])), $"{s} running={running}: coordinate {i}: {g[i]} vs {numeric}");
                    }
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(20).WithQuietOnSuccess(true));
    }

    [Fact]
    public void Shapes_and_buffers_that_cannot_run_are_refused_with_the_reason()
    {
        Assert.Contains("divides the 6 channels", NormShape.GroupNorm(1, 6, 4, 4).Problem());
        Assert.Contains("positive", NormShape.BatchNorm(0, 2, 2).Problem());
        var s = NormShape.BatchNorm(1, 2, 1);
        using var x = Poisoned<float>(2);
        using var g = Poisoned<float>(2);
        using var rm = Poisoned<float>(2);
        using var scratch = Poisoned<float>((int)NormLaunch.Scratch(s));
        var e = Assert.Throws<IlgpuAeException>(() => NormLaunch.Forward(TestDevice.Cpu, s, x.View, g.View, g.View, x.View, 1e-5f,
            NormStatistics.Batch, rm.View, rm.View, 0.1f, scratch.View));
        Assert.Contains("more than one value per channel", e.Message);
        var wrong = Assert.Throws<ArgumentException>(() => NormLaunch.Forward(TestDevice.Cpu, NormShape.GroupNorm(1, 2, 1, 1), x.View, g.View, g.View, x.View, 1e-5f,
            NormStatistics.Running, rm.View, rm.View, 0.1f, scratch.View));
        Assert.Contains("only batch normalisation keeps running statistics", wrong.Message);
    }
}
