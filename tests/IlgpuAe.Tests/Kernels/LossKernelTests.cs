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
}
