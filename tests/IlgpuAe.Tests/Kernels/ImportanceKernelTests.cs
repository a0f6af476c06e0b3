using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using ILGPU;
using IlgpuAe.Kernels;
using IlgpuAe.Ops;
using IlgpuAe.Testing;
using Xunit;
using static IlgpuAe.Tests.Kernels.KernelHarness;
using static IlgpuAe.Tests.Support.GradAssert;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// The importance-weighted bound's kernels (tiling, per-row likelihoods with a per-row upstream gradient, the log prior
/// ratio, the max-subtracted negative log-mean-exp) equal their double reference in float and double on every size and launch
/// shape, outputs poisoned with NaN and backward both overwriting and accumulating; as graph ops their gradients equal central
/// finite differences.
/// </summary>
public sealed class ImportanceKernelTests
{
    const int Cols = 5, Samples = 3;

    static double[] Acc(double[] grad, double[] prior) => grad.Select((g, i) => g + prior[i]).ToArray();

    [Theory, MemberData(nameof(KernelHarness.SizesAndShapes), MemberType = typeof(KernelHarness))]
    public void Tiling_copies_sample_major_and_its_gradient_sums_the_copies(int rows, int shape)
    {
        Tile<float>(rows, shape);
        Tile<double>(rows, shape);
    }

    static void Tile<T>(int rows, int shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = Rounded<T>(RandomValues(rows, rows * Cols));
        var dy = Rounded<T>(RandomValues(rows + 1, rows * Cols * Samples));
        var prior = Rounded<T>(RandomValues(rows + 2, rows * Cols));
        using var bx = Upload<T>(x);
        using var by = Poisoned<T>(x.Length * Samples);
        using var bdy = Upload<T>(dy);
        using var bdx = Poisoned<T>(x.Length);
        using var bacc = Upload<T>(prior);
        var fwd = Shape(shape, by.Length);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>>(ImportanceKernels.TileForward)(fwd.Threads, fwd, bx.View, by.View);
        Assert.Equal(ImportanceReference.Tile(x, Samples), Download(by));
        var back = Shape(shape, x.Length);
        var k = Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, int, T>(ImportanceKernels.TileBackward);
        k(back.Threads, back, bdy.View, bdx.View, Samples, T.Zero);
        AssertClose<T>(ImportanceReference.TileGrad(dy, Samples), Download(bdx), Samples, "dx");
        k(back.Threads, back, bdy.View, bacc.View, Samples, T.One);
        AssertClose<T>(Acc(ImportanceReference.TileGrad(dy, Samples), prior), Download(bacc), Samples, "dx accumulated");
    }

    [Theory, MemberData(nameof(KernelHarness.SizesAndShapes), MemberType = typeof(KernelHarness))]
    public void Bernoulli_rows_score_a_tiled_target_and_take_one_gradient_per_row(int images, int shape)
    {
        Bernoulli<float>(images, shape);
        Bernoulli<double>(images, shape);
    }

    static void Bernoulli<T>(int images, int shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = images * Samples;
        var logits = Rounded<T>(RandomValues(images, rows * Cols, -4, 4));
        var target = Rounded<T>(RandomValues(images + 1, images * Cols, 0, 1));
        var g = Rounded<T>(RandomValues(images + 2, rows));
        var prior = Rounded<T>(RandomValues(images + 3, rows * Cols));
        using var bl = Upload<T>(logits);
        using var bt = Upload<T>(target);
        using var bg = Upload<T>(g);
        using var brow = Poisoned<T>(rows);
        using var bd = Poisoned<T>(rows * Cols);
        using var bacc = Upload<T>(prior);
        var fwd = Shape(shape, rows);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(ImportanceKernels.RowBernoulliNllForward)(fwd.Threads, fwd, bl.View, bt.View, brow.View, Cols);
        AssertClose<T>(ImportanceReference.RowBernoulliNll(logits, target, Cols), Download(brow), 4 * Cols, "nll");
        var back = Shape(shape, rows * Cols);
        var k = Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(ImportanceKernels.RowBernoulliNllBackward);
        var grad = ImportanceReference.RowBernoulliNllGrad(logits, target, g, Cols);
        k(back.Threads, back, bl.View, bt.View, bg.View, bd.View, Cols, T.Zero);
        AssertClose<T>(grad, Download(bd), 4, "dlogits");
        k(back.Threads, back, bl.View, bt.View, bg.View, bacc.View, Cols, T.One);
        AssertClose<T>(Acc(grad, prior), Download(bacc), 4, "dlogits accumulated");
    }

    [Theory]
    [InlineData(1, 0, true)]
    [InlineData(7, 1, true)]
    [InlineData(64, 2, false)]
    [InlineData(1000, 0, false)]
    public void Gaussian_rows_with_a_learned_or_fixed_variance_match_the_reference(int images, int shape, bool learned)
    {
        Gaussian<float>(images, shape, learned);
        Gaussian<double>(images, shape, learned);
    }

    static void Gaussian<T>(int images, int shape, bool learned) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = images * Samples, n = rows * Cols;
        const double fixedLogVar = -0.4;
        var mean = Rounded<T>(RandomValues(images, n, -1, 1));
        var logVar = learned ? Rounded<T>(RandomValues(images + 1, n, -1, 1)) : [KernelHarness.Rounded<T>([fixedLogVar])[0]];
        var target = Rounded<T>(RandomValues(images + 2, images * Cols, -1, 1));
        var g = Rounded<T>(RandomValues(images + 3, rows));
        using var bm = Upload<T>(mean);
        using var bv = Upload<T>(learned ? logVar : mean);
        using var bt = Upload<T>(target);
        using var bg = Upload<T>(g);
        using var brow = Poisoned<T>(rows);
        using var bdm = Poisoned<T>(n);
        using var bdv = Poisoned<T>(n);
        T fixedT = T.CreateTruncating(fixedLogVar);
        int flag = learned ? 1 : 0;
        var fwd = Shape(shape, rows);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T, int>(ImportanceKernels.RowGaussianNllForward)(
            fwd.Threads, fwd, bm.View, bv.View, bt.View, brow.View, Cols, fixedT, flag);
        AssertClose<T>(ImportanceReference.RowGaussianNll(mean, logVar, target, Cols), Download(brow), 8 * Cols, "nll");
        var (dm, dv) = ImportanceReference.RowGaussianNllGrad(mean, logVar, target, g, Cols);
        var back = Shape(shape, n);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T, int, T>(ImportanceKernels.RowGaussianNllBackwardMean)(
            back.Threads, back, bm.View, bv.View, bt.View, bg.View, bdm.View, Cols, fixedT, flag, T.Zero);
        AssertClose<T>(dm, Download(bdm), 8, "dmean");
        if (!learned) return;
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(ImportanceKernels.RowGaussianNllBackwardLogVar)(
            back.Threads, back, bm.View, bv.View, bt.View, bg.View, bdv.View, Cols, T.Zero);
        AssertClose<T>(dv, Download(bdv), 8, "dlogvar");
    }

    [Theory, MemberData(nameof(KernelHarness.SizesAndShapes), MemberType = typeof(KernelHarness))]
    public void The_log_prior_ratio_is_log_p_minus_log_q_at_the_sample(int rows, int shape)
    {
        PriorRatio<float>(rows, shape);
        PriorRatio<double>(rows, shape);
    }

    static void PriorRatio<T>(int rows, int shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = rows * Cols;
        var z = Rounded<T>(RandomValues(rows, n));
        var eps = Rounded<T>(RandomValues(rows + 1, n));
        var logVar = Rounded<T>(RandomValues(rows + 2, n, -1, 1));
        var g = Rounded<T>(RandomValues(rows + 3, rows));
        var prior = Rounded<T>(RandomValues(rows + 4, n));
        using var bz = Upload<T>(z);
        using var be = Upload<T>(eps);
        using var bv = Upload<T>(logVar);
        using var bg = Upload<T>(g);
        using var brow = Poisoned<T>(rows);
        using var bdz = Poisoned<T>(n);
        using var bdv = Upload<T>(prior);
        var fwd = Shape(shape, rows);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(ImportanceKernels.LogPriorRatioForward)(
            fwd.Threads, fwd, bz.View, be.View, bv.View, brow.View, Cols);
        AssertClose<T>(ImportanceReference.LogPriorRatio(z, eps, logVar, Cols), Download(brow), 8 * Cols, "ratio");
        var (dz, dv) = ImportanceReference.LogPriorRatioGrad(z, g, Cols);
        var back = Shape(shape, n);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(ImportanceKernels.LogPriorRatioBackwardZ)(back.Threads, back, bz.View, bg.View, bdz.View, Cols, T.Zero);
        AssertClose<T>(dz, Download(bdz), 2, "dz");
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, int, T>(ImportanceKernels.LogPriorRatioBackwardLogVar)(back.Threads, back, bg.View, bdv.View, Cols, T.One);
        AssertClose<T>(Acc(dv, prior), Download(bdv), 2, "dlogvar accumulated");
    }

    [Theory, MemberData(nameof(KernelHarness.SizesAndShapes), MemberType = typeof(KernelHarness))]
    public void The_negative_log_mean_exp_is_stable_for_log_weights_far_from_zero(int images, int shape)
    {
        // Log-weights near −800: e^a underflows to 0 in float and in double without the max subtracted.
        var far = RandomValues(images, images * Samples, -2, 2).Select(v => v - 800).ToArray();
        LogMeanExp<float>(far, shape, images);
        LogMeanExp<double>(far, shape, images);
        LogMeanExp<double>(RandomValues(images + 9, images * Samples), shape, images);
    }

    static void LogMeanExp<T>(double[] raw, int shape, int images) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = Rounded<T>(raw);
        var prior = Rounded<T>(RandomValues(images + 5, a.Length));
        using var ba = Upload<T>(a);
        using var brow = Poisoned<T>(images);
        using var bw = Poisoned<T>(a.Length);
        using var bgo = Upload<T>([1.5]);
        using var bd = Upload<T>(prior);
        var fwd = Shape(shape, images);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(ImportanceKernels.NegLogMeanExpForward)(
            fwd.Threads, fwd, ba.View, brow.View, bw.View, Samples, T.Log(T.CreateTruncating(Samples)));
        AssertClose<T>(ImportanceReference.NegLogMeanExp(a, Samples), Download(brow), 4, "bound");
        var back = Shape(shape, a.Length);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(ImportanceKernels.NegLogMeanExpBackward)(
            back.Threads, back, bw.View, bgo.View, bd.View, T.CreateTruncating(0.5), T.One);
        AssertClose<T>(Acc(ImportanceReference.NegLogMeanExpGrad(a, Samples, 0.75), prior), Download(bd), 8, "da accumulated");
    }

    static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(5).WithQuietOnSuccess(true);

    [Fact]
    public void As_graph_ops_their_gradients_match_finite_differences()
    {
        var gen = from images in Gen.Choose(1, 6) from cols in Gen.Choose(1, 7) from k in Gen.Choose(1, 4) from seed in Gen.Choose(1, 100000)
                  select (images, cols, k, seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var rng = new Random(c.seed);
            int rows = c.images * c.k;
            OpInput Any(int r) => OpInput.Uniform(r, c.cols, rng, scale: 2);
            var options = new GradCheckOptions { WeightSeed = c.seed, PlanStep = 3 };
            Holds(GradCheck.Op(TestDevice.Cpu, [Any(c.images)], (g, p) => g.TileRows(p[0], c.k), options));
            // The target takes no gradient, so it is a fixed draw of the graph rather than a checked input (any real target
            // keeps the Bernoulli formula's derivative, which is linear in it).
            Holds(GradCheck.Op(TestDevice.Cpu, [Any(rows)], (g, p) => g.RowNll(Likelihood.Bernoulli, 0, p[0], g.Noise(c.cols, c.images)), options));
            Holds(GradCheck.Op(TestDevice.Cpu, [Any(rows)], (g, p) => g.RowNll(Likelihood.GaussianFixed, -0.3, p[0], g.Noise(c.cols, c.images)), options));
            Holds(GradCheck.Op(TestDevice.Cpu, [Any(rows), OpInput.Uniform(rows, c.cols, rng)],
                (g, p) => g.RowNll(Likelihood.Gaussian, 0, p[0], p[1], g.Noise(c.cols, c.images)), options));
            // ε is noise (no gradient), so the check runs through the sample z = μ + e^{½logσ²}·ε with μ and logσ² as inputs.
            Holds(GradCheck.Op(TestDevice.Cpu, [Any(rows), OpInput.Uniform(rows, c.cols, rng)], (g, p) =>
            {
                var eps = g.Noise(c.cols, rows);
                return g.LogPriorRatio(g.Reparameterize(p[0], p[1], eps), eps, p[1]);
            }, options));
            Holds(GradCheck.Op(TestDevice.Cpu, [OpInput.Uniform(rows, 1, rng, scale: 3)], (g, p) => g.NegLogMeanExp(p[0], c.k), options));
        }).Check(Runs);
    }

    [Fact]
    public void The_graph_ops_compute_their_reference_values()
    {
        var a = new OpInput(6, 1, [-1, 0.5, 2, -300, 1, 0.25]);
        Close(ImportanceReference.NegLogMeanExp(a.Values, 3).Average(), GradCheck.Forward(TestDevice.Cpu, [a], (g, p) => g.NegLogMeanExp(p[0], 3))[0], 1e-14, "bound");
        var x = new OpInput(2, 2, [1, 2, 3, 4]);
        Assert.Equal([1, 2, 3, 4, 1, 2, 3, 4], GradCheck.Forward(TestDevice.Cpu, [x], (g, p) => g.TileRows(p[0], 2)));
        var logits = new OpInput(4, 2, [0.5, -1, 2, 0.1, -0.3, 1.5, 0, 0.7]);
        var target = new OpInput(2, 2, [0.2, 0.9, 1, 0]);
        Assert.Equal(ImportanceReference.RowBernoulliNll(logits.Values, target.Values, 2),
            GradCheck.Forward(TestDevice.Cpu, [logits, target], (g, p) => g.RowNll(Likelihood.Bernoulli, 0, p[0], p[1])), new Tol(1e-14));
    }

    [Fact]
    public void Shapes_that_do_not_fit_are_refused()
    {
        using var store = new ParameterStore<double>(TestDevice.Cpu, 1);
        var g = new IlgpuAe.Graph.GraphBuilder<double>(store, 6, training: false);
        var a = g.Input("a", 1, 6);
        var wide = g.Input("w", 2, 6);
        var odd = g.Input("t", 2, 4);
        Assert.Throws<ArgumentException>(() => g.NegLogMeanExp(a, 4));
        Assert.Throws<ArgumentException>(() => g.NegLogMeanExp(wide, 3));
        Assert.Throws<ArgumentException>(() => g.TileRows(a, 0));
        Assert.Contains("rows divide", Assert.Throws<IlgpuAeException>(() => g.RowNll(Likelihood.Bernoulli, 0, wide, odd)).Message);
    }

    sealed class Tol(double eps) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= eps * Math.Max(1, Math.Abs(x));
        public int GetHashCode(double obj) => 0;
    }
}
