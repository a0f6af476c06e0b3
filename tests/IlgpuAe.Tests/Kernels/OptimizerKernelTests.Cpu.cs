using ILGPU;
using IlgpuAe.Compute;
using IlgpuAe.Kernels;
using Xunit;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

// The float CPU-accelerator body of the family (Optimizer.Cpu.cs, a .NET body behind an ILGPU intrinsic) against the same
// double reference as the generic kernel it stands in for, on awkward sizes (vector tails, one element, fewer elements
// than threads) and every launch shape, outputs poisoned with NaN.
public sealed partial class OptimizerKernelTests
{
    public static TheoryData<int, int> CpuCases() => SizesAndShapes();

    [Theory, MemberData(nameof(CpuCases))]
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
            var adam = Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamScalars>(OptimizerKernels.CpuAdam);
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
        var adam = Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamScalars>(OptimizerKernels.CpuAdam);
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
}
