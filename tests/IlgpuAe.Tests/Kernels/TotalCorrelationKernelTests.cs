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
/// The β-TCVAE decomposition by minibatch-weighted sampling: each part's row values and gradients (to z, μ and logσ²) equal
/// the double reference in float and double on every launch shape; the three parts sum to the one-sample KL estimate; as a
/// graph op each part's gradient equals central finite differences.
/// </summary>
public sealed class TotalCorrelationKernelTests
{
    const int Dim = 3, DataSize = 1000;

    public static TheoryData<int, int, int> Cases()
    {
        var data = new TheoryData<int, int, int>();
        for (int part = 0; part < 3; part++)
            foreach (int n in new[] { 1, 5, 16 })
                for (int s = 0; s < ShapeCount; s++) data.Add(part, n, s);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Each_part_and_its_gradients_equal_the_reference(int part, int n, int shape)
    {
        Check<float>(part, n, shape);
        Check<double>(part, n, shape);
    }

    static void Check<T>(int part, int n, int shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var z = Rounded<T>(RandomValues(n, n * Dim, -1.5, 1.5));
        var mean = Rounded<T>(RandomValues(n + 1, n * Dim, -1, 1));
        var logVar = Rounded<T>(RandomValues(n + 2, n * Dim, -1, 1));
        using var bz = Upload<T>(z);
        using var bm = Upload<T>(mean);
        using var bv = Upload<T>(logVar);
        using var brow = Poisoned<T>(n);
        using var bresp = Poisoned<T>(n * n);
        using var blse = Poisoned<T>(n * Dim);
        using var bg = Upload<T>([1.3]);
        using var bdz = Poisoned<T>(n * Dim);
        using var bdm = Poisoned<T>(n * Dim);
        using var bdv = Poisoned<T>(n * Dim);
        var loop = Shape(shape, n);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T, int>(TotalCorrelationKernels.Forward)(
            loop.Threads, loop, bz.View, bm.View, bv.View, brow.View, bresp.View, blse.View, Dim, T.CreateTruncating(Math.Log((double)DataSize * n)), part);
        var (mi, tc, dw) = TotalCorrelationReference.Parts(z, mean, logVar, Dim, DataSize);
        double expected = part == 0 ? mi : part == 1 ? tc : dw;
        AssertClose<T>([expected], [Download(brow).Sum() / n], 200, "part");
        var c = new double[3];
        c[part] = 1;
        var grad = TotalCorrelationReference.Grad(z, mean, logVar, Dim, DataSize, c[0], c[1], c[2], 1.3);
        T scale = T.One / T.CreateTruncating(n);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int, T, T>(TotalCorrelationKernels.BackwardZ)(
            loop.Threads, loop, bz.View, bm.View, bv.View, bresp.View, blse.View, bg.View, bdz.View, Dim, part, scale, T.Zero);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int, T, T>(TotalCorrelationKernels.BackwardPosterior)(
            loop.Threads, loop, bz.View, bm.View, bv.View, bresp.View, blse.View, bg.View, bdm.View, bdv.View, Dim, part, scale, T.Zero);
        // The reference gradient is a central difference of the reference (step 1e-6): about 1e-9 of error in double.
        double tolerance = typeof(T) == typeof(float) ? 200 : 1e5;
        AssertClose<T>(grad[0], Download(bdz), tolerance, "dz");
        AssertClose<T>(grad[1], Download(bdm), tolerance, "dmean");
        AssertClose<T>(grad[2], Download(bdv), tolerance, "dlogvar");
    }

    [Fact]
    public void The_three_parts_sum_to_the_one_sample_kl_estimate()
    {
        int n = 12;
        var z = RandomValues(1, n * Dim, -1.5, 1.5);
        var mean = RandomValues(2, n * Dim, -1, 1);
        var logVar = RandomValues(3, n * Dim, -1, 1);
        var (mi, tc, dw) = TotalCorrelationReference.Parts(z, mean, logVar, Dim, DataSize);
        double kl = 0;
        for (int i = 0; i < n; i++)
            for (int k = 0; k < Dim; k++)
            {
                double d = z[i * Dim + k] - mean[i * Dim + k], v = logVar[i * Dim + k];
                kl += -0.5 * (d * d * Math.Exp(-v) + v) + 0.5 * z[i * Dim + k] * z[i * Dim + k];
            }
        Close(kl / n, mi + tc + dw, 1e-12, "mi + tc + dwkl");
        Assert.True(tc >= 0 && mi <= Math.Log(DataSize * (double)n), $"tc {tc}, mi {mi}");
    }

    static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(4).WithQuietOnSuccess(true);

    [Fact]
    public void As_a_graph_op_each_part_matches_finite_differences()
    {
        var gen = from n in Gen.Choose(1, 6) from d in Gen.Choose(1, 4) from part in Gen.Choose(0, 2) from seed in Gen.Choose(1, 100000) select (n, d, part, seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var rng = new Random(c.seed);
            Holds(GradCheck.Op(TestDevice.Cpu, [OpInput.Uniform(c.n, c.d, rng, 1.5), OpInput.Uniform(c.n, c.d, rng), OpInput.Uniform(c.n, c.d, rng)],
                (g, p) => g.KlPart(p[0], p[1], p[2], (KlPart)c.part, 500), new GradCheckOptions { WeightSeed = c.seed }));
        }).Check(Runs);
    }
}
