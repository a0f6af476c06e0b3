using FsCheck;
using FsCheck.Fluent;
using IlgpuAe.Compute;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;
using IlgpuAe.Testing;
using Xunit;

namespace IlgpuAe.Tests.Conv;

/// <summary>
/// The max_pool2d, avg_pool2d and upsample_nearest2d graph ops, in double on the CPU accelerator through the public
/// <see cref="GradCheck"/>, on random geometries (odd sizes included, so cropped rows and columns get their zero gradient):
/// the forward equals the double reference and the executor's gradient of Σ op(x) ⊙ R agrees with central differences.
/// Max-pooling inputs are spaced at least 0.01 apart, far wider than the difference step, so no probe crosses a tie.
/// </summary>
public class PoolOpGradientTests
{
    static Gen<(int B, int C, int H, int W, int F, int Seed)> Cases =>
        from b in Gen.Choose(1, 3) from c in Gen.Choose(1, 2) from h in Gen.Choose(1, 6) from w in Gen.Choose(1, 6) from f in Gen.Choose(1, 3)
        from seed in Gen.Choose(1, 100000)
        select (b, c, h, w, f, seed);

    // Distinct values: a random permutation of an evenly spaced grid in (−1, 1).
    static double[] Spaced(int n, int seed)
    {
        var rng = new Random(seed);
        var v = Enumerable.Range(0, n).Select(i => -1 + 2.0 * (i + 0.5) / n).ToArray();
        rng.Shuffle(v);
        return v;
    }

    static void Holds(Pool2dMode mode, (int B, int C, int H, int W, int F, int Seed) c)
    {
        var s = mode == Pool2dMode.NearestUpsample
            ? Pool2dShape.Upsampling(c.B, c.C, c.H, c.W, c.F)
            : new Pool2dShape(c.B, c.C, Math.Max(c.H, c.F), Math.Max(c.W, c.F), c.F);
        var (inLength, _) = Pool2dLaunch.Lengths(s, mode);
        var x = Spaced((int)inLength, c.Seed);
        var inputs = new[] { new OpInput(s.Batch, (int)(inLength / s.Batch), x) };
        Node<double> Op(GraphBuilder<double> g, Node<double>[] n) => mode switch
        {
            Pool2dMode.Max => g.MaxPool2d(n[0], s.Channels, s.Height, s.Width, s.Factor),
            Pool2dMode.Average => g.AvgPool2d(n[0], s.Channels, s.Height, s.Width, s.Factor),
            _ => g.UpsampleNearest2d(n[0], s.Channels, s.CoarseHeight, s.CoarseWidth, s.Factor),
        };
        var expected = mode switch
        {
            Pool2dMode.Max => Pool2dReference.MaxPool(s, x).Y,
            Pool2dMode.Average => Pool2dReference.AvgPool(s, x),
            _ => Pool2dReference.Upsample(s, x),
        };
        var forward = GradCheck.Forward(TestDevice.Cpu, inputs, Op);
        Assert.Equal(expected.Length, forward.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - forward[i]) < 1e-12, $"{mode} {s}: y[{i}]");
        var report = GradCheck.Op(TestDevice.Cpu, inputs, Op, new GradCheckOptions { WeightSeed = c.Seed });
        Assert.True(report.Passed, $"{mode} {s}: {report}");
    }

    [Fact]
    public void Max_pooling_gradients_match_finite_differences() =>
        Prop.ForAll(Cases.ToArbitrary(), c => Holds(Pool2dMode.Max, c)).Check(Config.QuickThrowOnFailure.WithMaxTest(8).WithQuietOnSuccess(true));

    [Fact]
    public void Average_pooling_gradients_match_finite_differences() =>
        Prop.ForAll(Cases.ToArbitrary(), c => Holds(Pool2dMode.Average, c)).Check(Config.QuickThrowOnFailure.WithMaxTest(8).WithQuietOnSuccess(true));

    [Fact]
    public void Nearest_upsampling_gradients_match_finite_differences() =>
        Prop.ForAll(Cases.ToArbitrary(), c => Holds(Pool2dMode.NearestUpsample, c)).Check(Config.QuickThrowOnFailure.WithMaxTest(8).WithQuietOnSuccess(true));

    [Fact]
    public void A_pooling_op_refuses_an_input_of_the_wrong_width_naming_it()
    {
        using var store = new ParameterStore<double>(TestDevice.Cpu, 1);
        var g = new GraphBuilder<double>(store, 2, training: false);
        var x = g.Input("x", 15);
        var e = Assert.Throws<ArgumentException>(() => g.MaxPool2d(x, 1, 4, 4));
        Assert.Contains("max_pool2d", e.Message);
        Assert.Contains("expects an input of [2x16]", e.Message);
        Assert.Throws<IlgpuAeException>(() => g.AvgPool2d(x, 1, 1, 15));
    }
}
