using FsCheck;
using FsCheck.Fluent;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;
using IlgpuAe.Tests.Support;
using Xunit;

namespace IlgpuAe.Tests.Conv;

/// <summary>
/// The conv2d and conv_transpose2d graph ops, in double on the CPU accelerator, on random geometries and activations: the
/// executor's gradients of Σ op(x, W, b) ⊙ R (x, W and b all parameters) agree with central finite differences.
/// </summary>
public class ConvOpGradientTests
{
    static Gen<(Conv2dShape S, Activation F, int Seed)> Cases =>
        from b in Gen.Choose(1, 3) from c in Gen.Choose(1, 3) from h in Gen.Choose(2, 7) from w in Gen.Choose(2, 7)
        from o in Gen.Choose(1, 3) from k in Gen.Choose(1, 4) from st in Gen.Choose(1, 3) from p in Gen.Choose(0, 2)
        from f in Gen.Elements(Activation.Identity, Activation.Tanh, Activation.Softplus, Activation.Sigmoid)
        from seed in Gen.Choose(1, 100000)
        let s = new Conv2dShape(b, c, h, w, o, k, st, p)
        where s.Problem() is null
        select (s, f, seed);

    static GradCheck.Result Check(Conv2dShape s, bool transposed, Activation f, int seed)
    {
        using var store = new ParameterStore<double>(TestDevice.Cpu, (ulong)seed);
        int inCols = transposed ? s.Filters * s.OutPlane : s.Channels * s.InPlane;
        var x = store.Add("x", s.Batch, inCols, Init.Zeros);
        var weight = store.Add("w", s.Filters, s.ColRows, Init.Zeros);
        var bias = store.Add("b", 1, transposed ? s.Channels : s.Filters, Init.Zeros);
        store.Materialize();
        var rng = new Random(seed);
        store.Upload(Enumerable.Range(0, (int)store.Count).Select(_ => rng.NextDouble() * 2 - 1).ToArray());
        var g = new GraphBuilder<double>(store, s.Batch, training: true);
        var y = transposed ? g.ConvTranspose2d(g.Param(x), s, weight, bias, f) : g.Conv2d(g.Param(x), s, weight, bias, f);
        var r = g.Input("r", y.Cols);
        g.Loss("objective", g.Sum(g.Mul(y, r)));
        using var plan = g.Compile();
        var weights = Enumerable.Range(0, (int)y.Length).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        return GradCheck.Check(plan, () => { plan.SetInput(r, weights); plan.Forward(); });
    }

    [Fact]
    public void Conv2d_op_gradients_match_finite_differences() =>
        Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            var result = Check(c.S, transposed: false, c.F, c.Seed);
            Assert.True(result.MaxError < GradCheck.Tolerance, $"{c.S} {c.F}: max error {result.MaxError:E2} at {result.Worst}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(8).WithQuietOnSuccess(true));

    [Fact]
    public void ConvTranspose2d_op_gradients_match_finite_differences() =>
        Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            var result = Check(c.S, transposed: true, c.F, c.Seed);
            Assert.True(result.MaxError < GradCheck.Tolerance, $"{c.S} {c.F}: max error {result.MaxError:E2} at {result.Worst}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(8).WithQuietOnSuccess(true));

    [Fact]
    public void A_flattened_convolution_feeds_a_dense_layer_without_a_copy()
    {
        // The conv output node is [B, O·OH·OW] in NCHW order: a Linear reads it as PyTorch's x.flatten(1) would be read.
        var s = new Conv2dShape(2, 1, 4, 4, 2, 2, 2, 0);
        using var store = new ParameterStore<double>(TestDevice.Cpu, 3);
        var w = store.Add("w", 2, 4, Init.Zeros);
        var lw = store.Add("lw", 1, 8, Init.Zeros);
        store.Materialize();
        var values = new double[store.Count];
        double[] conv = [1, 0, 0, 0, 0, 0, 0, 1]; // filter 0 takes the top-left pixel of each window, filter 1 the bottom-right
        double[] dense = [1, 2, 3, 4, 5, 6, 7, 8];
        conv.CopyTo(values, w.Offset);
        dense.CopyTo(values, lw.Offset);
        store.Upload(values);
        var g = new GraphBuilder<double>(store, 2, training: false);
        var x = g.Input("x", 16);
        var h = g.Conv2d(x, s, w, null);
        g.Output("h", h);
        g.Output("y", g.Linear(h, lw, null));
        using var plan = g.Compile();
        var image = Enumerable.Range(0, 32).Select(i => (double)i).ToArray();
        plan.SetInput(x, image);
        plan.Forward();
        var flat = plan.Read("h");
        // image 0: top-left of the four windows are pixels 0, 2, 8, 10; bottom-right 5, 7, 13, 15 (channel-major).
        Assert.Equal(new double[] { 0, 2, 8, 10, 5, 7, 13, 15 }, flat.Take(8));
        Assert.Equal(dense.Zip(flat.Take(8), (a, b) => a * b).Sum(), plan.Read("y")[0]);
    }
}
