using static IlgpuAe.Tests.Kernels.KernelHarness;
namespace IlgpuAe.Tests.Kernels;

/// <summary>The divergences (KL against N(0, I), between two diagonal Gaussians, of a lower-triangular posterior): forward and backward against the double reference in float and double on every launch shape, and backward as the derivative of forward (see <see cref="ObjectiveChecks"/>).</summary>
public sealed class DivergenceKernelTests : ObjectiveKernelTests<DivergenceKernelTests>
{
    [Fact]
    public void Diagonal_KL_rows_over_200000_floats_are_within_1e6_of_double()
    {
        const int rows = 8, cols = LongSum / rows;
        var mu = Rounded<float>(RandomValues(41, LongSum, -2, 2));
        var lv = Rounded<float>(RandomValues(42, LongSum, -2, 1));
        using var dmu = Upload<float>(mu);
        using var dlv = Upload<float>(lv);
        using var kl = Poisoned<float>(rows);
        var loop = Gpu.LoopFor(rows);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(DivergenceKernels.KlDiagonalForward)(loop.Threads, loop, dmu.View, dlv.View, kl.View, cols);
        var expected = Enumerable.Range(0, rows).Select(r => 0.5 * Enumerable.Range(r * cols, cols).Sum(i => mu[i] * mu[i] + Math.Exp(lv[i]) - 1 - lv[i])).ToArray();
        WithinOneMicro(expected, Download(kl), "diagonal KL rows");
    }
}
