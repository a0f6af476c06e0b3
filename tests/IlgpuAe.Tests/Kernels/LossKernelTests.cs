using static IlgpuAe.Tests.Kernels.KernelHarness;
using IlgpuAe.Compute;
namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// What is particular to the losses. Their agreement with the references and with finite
/// differences is in the objective checks above (<see cref="ObjectiveChecks"/>), with every other differentiable kernel.
/// </summary>
public sealed class LossKernelTests : ObjectiveKernelTests<LossKernelTests>
{
    static ObjectiveCase Bce => ObjectiveCase.All.Single(c => c.Name == "BceWithLogits");

    [Fact]
    public void Bce_with_logits_is_finite_and_exact_at_logits_of_plus_minus_1e4_in_float()
    {
        double[] z = [1e4, -1e4, 1e4, -1e4, 1e4, -1e4, 88.0, -104.0];
        double[] x = [0, 0, 1, 1, 0.25, 0.75, 0.5, 1];
        var bce = Bce;

        var rowLoss = bce.Forward(typeof(float), [z], x, z.Length, 1, 0);
        var expected = bce.ReferenceForward([z], x, z.Length, 1);
        Assert.All(rowLoss, v => Assert.True(float.IsFinite((float)v)));
        AssertClose<float>(expected, rowLoss, what: "BCE at large |z|");
        Assert.Equal(1e4, rowLoss[0], 1e-3);   // confidently wrong: loss = |z|
        Assert.Equal(0, rowLoss[2], 1e-30);    // confidently right: loss = 0, not NaN from ∞ − ∞

        var grad = bce.Backward(typeof(float), [z], x, z.Length, 1, 1, 1, 0, [], 0)[0];
        AssertClose<float>(bce.ReferenceBackward([z], x, z.Length, 1, 1)[0], grad, what: "BCE gradient at large |z|");
    }

    // The float CPU-accelerator body (Loss.Cpu.cs) against the same double reference and, where it promises
    // to, the generic kernel's bits: awkward sizes (vector tails, one element, fewer elements than threads), every
    // launch shape, outputs poisoned with NaN.

    public static TheoryData<int, int, int> CpuMatrixCases()
    {
        var data = new TheoryData<int, int, int>();
        foreach (var (rows, cols) in new[] { (1, 1), (1, 37), (7, 1), (7, 64), (33, 130), (128, 784) })
            for (int s = 0; s < ShapeCount; s++) data.Add(rows, cols, s);
        return data;
    }

    [Theory, MemberData(nameof(CpuMatrixCases))]
    public void Bce_forward_and_backward_match_the_reference(int rows, int cols, int shape)
    {
        int n = rows * cols;
        var z = RandomValues(n + 3, n, -30, 30); // far into both tails, where a naive form overflows
        var x = RandomValues(n + 4, n, 0, 1);
        using var dz = Upload<float>(z);
        using var dx = Upload<float>(x);
        using var loss = Poisoned<float>(rows);
        var rowLoop = Shape(shape, rows);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(LossKernels.CpuBceForward)(
            rowLoop.Threads, rowLoop, dz.View, dx.View, loss.View, cols);
        AssertClose<float>(LossReference.BceWithLogits(Rounded<float>(z), Rounded<float>(x), rows, cols), Download(loss),
            scale: 64, what: "BCE row losses");

        using var g = Upload<float>([1.5]);
        using var grad = Poisoned<float>(n);
        var loop = Shape(shape, n);
        var back = Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float>(LossKernels.CpuBceBackward);
        back(loop.Threads, loop, dz.View, dx.View, g.View, grad.View, 0.5f, 0f);
        var expected = LossReference.BceWithLogitsGrad(Rounded<float>(z), Rounded<float>(x), 0.75);
        AssertClose<float>(expected, Download(grad), scale: 4, what: "BCE gradient");

        var old = RandomValues(8, n);
        using var accumulated = Upload<float>(old);
        back(loop.Threads, loop, dz.View, dx.View, g.View, accumulated.View, 0.5f, 1f);
        AssertClose<float>(expected.Select((v, i) => old[i] + v).ToArray(), Download(accumulated), scale: 4, what: "BCE gradient, beta=1");
    }

    // Rows of 25,000 features (200,000 elements): each row's float loss within 1e-6 relative of the double loss over the
    // same float inputs. A running float sum over the row drifts past that; the blocked, compensated sum does not.

    const int LongRows = 8, LongCols = LongSum / LongRows;

    static ILGPU.Runtime.MemoryBuffer1D<float, Stride1D.Dense> UploadLong(int seed, double lo, double hi, out double[] values)
    {
        values = Rounded<float>(RandomValues(seed, LongSum, lo, hi));
        return Upload<float>(values);
    }

    [Fact]
    public void Row_losses_over_200000_floats_are_within_1e6_of_double()
    {
        using var z = UploadLong(21, -4, 4, out var zs);
        using var x = UploadLong(22, 0.05, 1, out var xs);
        using var lv = UploadLong(23, -1, 1, out var lvs);
        var loop = Gpu.LoopFor(LongRows);
        double[] Rows(Func<int, double> term) => Enumerable.Range(0, LongRows).Select(r => Enumerable.Range(r * LongCols, LongCols).Sum(term)).ToArray();
        var bce = Rows(i => Math.Max(zs[i], 0) - zs[i] * xs[i] + Math.Log(1 + Math.Exp(-Math.Abs(zs[i]))));
        var mse = Rows(i => (zs[i] - xs[i]) * (zs[i] - xs[i]));
        var nll = Rows(i => 0.5 * ((xs[i] - zs[i]) * (xs[i] - zs[i]) * Math.Exp(-lvs[i]) + lvs[i] + Math.Log(2 * Math.PI)));
        var nllFixed = Rows(i => 0.5 * ((xs[i] - zs[i]) * (xs[i] - zs[i]) * Math.Exp(-0.5) + 0.5 + Math.Log(2 * Math.PI)));

        using var y = Poisoned<float>(LongRows);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(LossKernels.BceWithLogitsForward)(loop.Threads, loop, z.View, x.View, y.View, LongCols);
        WithinOneMicro(bce, Download(y), "BCE rows (generic)");
        LossLaunch.BceForward<float>(Gpu, z.View, x.View, y.View, LongCols);
        WithinOneMicro(bce, Download(y), "BCE rows (CPU body)");
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(LossKernels.MseForward)(loop.Threads, loop, z.View, x.View, y.View, LongCols);
        WithinOneMicro(mse, Download(y), "MSE rows");
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(LossKernels.GaussianNllForward)(loop.Threads, loop, z.View, lv.View, x.View, y.View, LongCols);
        WithinOneMicro(nll, Download(y), "Gaussian NLL rows");
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(LossKernels.GaussianNllFixedForward)(loop.Threads, loop, z.View, x.View, y.View, LongCols, 0.5f);
        WithinOneMicro(nllFixed, Download(y), "Gaussian NLL rows, fixed variance");
    }

    // One launch for the value and the gradient (where the plan fuses a term's backward into its forward): the same bits as
    // the two launches it replaces, the reference, and the derivative of its own values.

    public static TheoryData<string, int, int, int> FusedCases() => FusedLossChecks.Cases("Loss");

    public static TheoryData<string> FusedNames() => FusedLossChecks.Names("Loss");

    [Theory, MemberData(nameof(FusedCases))]
    public void Value_and_gradient_in_one_launch_equal_the_forward_and_backward_launches_and_the_reference(string objective, int rows, int cols, int shape) =>
        FusedLossChecks.MatchesTheTwoLaunchesAndTheReference(objective, rows, cols, shape);

    [Theory, MemberData(nameof(FusedNames))]
    public void Value_and_gradient_in_one_launch_give_the_derivative_of_the_values(string objective) =>
        FusedLossChecks.GradientIsTheDerivativeOfTheValues(objective);
}
