using ILGPU;
using IlgpuAe.Compute;
using IlgpuAe.Kernels;
using Xunit;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

// The float CPU-accelerator body of the family (Loss.Cpu.cs, a .NET body behind an ILGPU intrinsic) against the same
// double reference as the generic kernel it stands in for, on awkward sizes (vector tails, one element, fewer elements
// than threads) and every launch shape, outputs poisoned with NaN.
public sealed partial class LossKernelTests
{
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
