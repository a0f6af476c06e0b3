using System.Numerics;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// The value-and-gradient kernels (a loss or KL and its gradient in one launch, used where the plan fuses a term's
/// backward into its forward), held against three things: the bits of the two launches they replace (the forward
/// kernel and the backward kernel at beta 0 of the same <see cref="ObjectiveCase"/>), the double reference, and
/// central finite differences of their own row sums in double. Every output starts as NaN.
/// </summary>
static class FusedLossChecks
{
    /// <summary>The objectives that have a value-and-gradient kernel, by their <see cref="ObjectiveCase"/> name.</summary>
    public static readonly string[] Fused =
        ["BceWithLogits", "BceWithLogitsCpu", "Mse", "GaussianNll", "GaussianNllFixed", "KlDiagonal", "KlDiagonalGaussians", "KlLowerTriangular"];

    static ObjectiveCase Case(string name) => ObjectiveCase.All.Single(c => c.Name == (name == "BceWithLogitsCpu" ? "BceWithLogits" : name));

    public static TheoryData<string, int, int, int> Cases(string family)
    {
        var data = new TheoryData<string, int, int, int>();
        foreach (var name in Fused.Where(n => Case(n).Family == family))
            foreach (var (rows, cols) in new[] { (1, 1), (7, 3), (33, 17) })
                for (int s = 0; s < ShapeCount; s++) data.Add(name, rows, cols, s);
        return data;
    }

    public static TheoryData<string> Names(string family)
    {
        var data = new TheoryData<string>();
        foreach (var name in Fused.Where(n => Case(n).Family == family && n != "BceWithLogitsCpu")) data.Add(name);
        return data;
    }

    /// <summary>The fused kernel's row values and gradients equal, bit for bit, those of the forward and backward kernels it replaces, and the reference.</summary>
    public static void MatchesTheTwoLaunchesAndTheReference(string name, int rows, int cols, int shape)
    {
        Matches<float>(name, rows, cols, shape);
        if (name != "BceWithLogitsCpu") Matches<double>(name, rows, cols, shape);
    }

    static void Matches<T>(string name, int rows, int cols, int shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var c = Case(name);
        var rng = new Random(rows * 1000 + cols);
        var inputs = c.Inputs(rng, rows, cols);
        var target = c.Target(rng, rows, cols);
        const double gs = 0.8125; // exact in float: the seed·scale the plan would pass

        var (values, grads) = Run<T>(name, inputs, target, rows, cols, gs, shape);
        var twoLaunches = c.Forward(typeof(T), inputs, target, rows, cols, shape);
        var backward = c.Backward(typeof(T), inputs, target, rows, cols, gs, 1, 0, [], shape);
        if (name == "BceWithLogitsCpu") (twoLaunches, backward) = CpuBcePair(inputs[0], target, rows, cols, gs, shape);
        Assert.Equal(twoLaunches, values);
        Assert.Equal(backward.Length, grads.Length);
        for (int k = 0; k < grads.Length; k++) Assert.Equal(backward[k], grads[k]);

        var expected = c.ReferenceForward(inputs, target, rows, cols);
        AssertClose<T>(expected, values, scale: 4 * inputs.Max(a => a.Length) / (double)expected.Length + 60, what: $"{name} fused values");
        var expectedGrads = c.ReferenceBackward(inputs, target, rows, cols, gs);
        for (int k = 0; k < grads.Length; k++) AssertClose<T>(expectedGrads[k], grads[k], scale: 4, what: $"{name} fused gradient {k}");
    }

    /// <summary>Each gradient entry of the fused kernel (seed 1) is the central difference of Σ_r value_r in that input, in double.</summary>
    public static void GradientIsTheDerivativeOfTheValues(string name)
    {
        var c = Case(name);
        const int rows = 3, cols = 4;
        var rng = new Random(17);
        var inputs = c.Inputs(rng, rows, cols);
        var target = c.Target(rng, rows, cols);
        var (_, grads) = Run<double>(name, inputs, target, rows, cols, 1, 0);
        const double h = 1e-6;
        for (int k = 0; k < inputs.Length; k++)
            for (int i = 0; i < inputs[k].Length; i++)
            {
                double Sum(double delta)
                {
                    var moved = inputs.Select(a => a.ToArray()).ToArray();
                    moved[k][i] += delta;
                    return Run<double>(name, moved, target, rows, cols, 1, 0).Values.Sum();
                }
                double numeric = (Sum(h) - Sum(-h)) / (2 * h);
                Assert.True(Math.Abs(numeric - grads[k][i]) <= 1e-6 * Math.Max(1, Math.Abs(numeric)),
                    $"{name}: d/d input {k}[{i}] is {grads[k][i]:R}, the central difference {numeric:R}");
            }
    }

    static (double[] Values, double[][] Grads) Run<T>(string name, double[][] inputs, double[] target, int rows, int cols, double gs, int shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var device = inputs.Select(Upload<T>).ToArray();
        using var x = Upload<T>(target.Length == 0 ? [0] : target);
        using var values = Poisoned<T>(rows);
        var grads = inputs.Select(a => Poisoned<T>(a.Length)).ToArray();
        try
        {
            var rowLoop = Shape(shape, rows);
            var elements = Shape(shape, inputs[0].Length);
            int threads = Math.Max(rowLoop.Threads, elements.Threads);
            T g = T.CreateTruncating(gs);
            var v = device.Select(b => b.View).ToArray();
            var d = grads.Select(b => b.View).ToArray();
            switch (name)
            {
                case "BceWithLogits":
                    Gpu.Load<Loop, Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(LossKernels.BceWithLogitsValueAndGrad)(
                        threads, rowLoop, elements, v[0], x.View, values.View, d[0], cols, g);
                    break;
                case "BceWithLogitsCpu":
                    Gpu.Load<Loop, Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(LossKernels.CpuBceValueAndGrad)(
                        threads, rowLoop, elements, AsFloat<T>(v[0]), AsFloat<T>(x.View), AsFloat<T>(values.View), AsFloat<T>(d[0]), cols, (float)gs);
                    break;
                case "Mse":
                    Gpu.Load<Loop, Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(LossKernels.MseValueAndGrad)(
                        threads, rowLoop, elements, v[0], x.View, values.View, d[0], cols, g);
                    break;
                case "GaussianNll":
                    Gpu.Load<Loop, Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(LossKernels.GaussianNllValueAndGrad)(
                        threads, rowLoop, elements, v[0], v[1], x.View, values.View, d[0], d[1], cols, g);
                    break;
                case "GaussianNllFixed":
                    Gpu.Load<Loop, Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T, T>(LossKernels.GaussianNllFixedValueAndGrad)(
                        threads, rowLoop, elements, v[0], x.View, values.View, d[0], cols, T.CreateTruncating(ObjectiveCase.FixedLogVar), g);
                    break;
                case "KlDiagonal":
                    Gpu.Load<Loop, Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(DivergenceKernels.KlDiagonalValueAndGrad)(
                        threads, rowLoop, elements, v[0], v[1], values.View, d[0], d[1], cols, g);
                    break;
                case "KlDiagonalGaussians":
                    Gpu.Load<Loop, Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(
                        DivergenceKernels.KlDiagonalGaussiansValueAndGrad)(
                        threads, rowLoop, elements, v[0], v[1], v[2], v[3], values.View, d[0], d[1], d[2], d[3], cols, g);
                    break;
                case "KlLowerTriangular":
                    Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(DivergenceKernels.KlLowerTriangularValueAndGrad)(
                        rowLoop.Threads, rowLoop, v[0], v[1], values.View, d[0], d[1], cols, g);
                    break;
                default:
                    throw new ArgumentException($"no value-and-gradient kernel for {name}");
            }
            return (Download(values), grads.Select(Download).ToArray());
        }
        finally
        {
            foreach (var b in device) b.Dispose();
            foreach (var b in grads) b.Dispose();
        }
    }

    // The CPU body is float only: its cases run with T = float.
    static ArrayView<float> AsFloat<T>(ArrayView<T> view) where T : unmanaged => (ArrayView<float>)(object)view;

    // BCE's CPU body replaces CpuBceForward and CpuBceBackward, not the generic pair.
    static (double[] Values, double[][] Grads) CpuBcePair(double[] z, double[] target, int rows, int cols, double gs, int shape)
    {
        using var dz = Upload<float>(z);
        using var dx = Upload<float>(target);
        using var loss = Poisoned<float>(rows);
        using var g = Upload<float>([gs]);
        using var grad = Poisoned<float>(z.Length);
        var rowLoop = Shape(shape, rows);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(LossKernels.CpuBceForward)(rowLoop.Threads, rowLoop, dz.View, dx.View, loss.View, cols);
        var loop = Shape(shape, z.Length);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float>(LossKernels.CpuBceBackward)(
            loop.Threads, loop, dz.View, dx.View, g.View, grad.View, 1f, 0f);
        return (Download(loss), [Download(grad)]);
    }
}
