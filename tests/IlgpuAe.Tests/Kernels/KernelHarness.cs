using System.Numerics;
using ILGPU.Runtime;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// What every kernel test needs: host data as doubles, device buffers of T, NaN-poisoned outputs
/// (a kernel that skips an element or reads an output it should only write shows up as NaN),
/// the launch shapes every kernel must agree across, and tolerances per element type.
/// </summary>
static class KernelHarness
{
    public static Device Gpu => TestDevice.Cpu;

    /// <summary>Awkward sizes: one element, fewer than the threads, a power of two, a large non-multiple.</summary>
    public static readonly int[] Sizes = [1, 7, 64, 1000];

    /// <summary>The device's own shape, few threads with uneven chunks, a grid-stride loop.</summary>
    public static Loop Shape(int which, long n) => which switch
    {
        0 => Gpu.LoopFor(n),
        1 => Loop.Chunked(n, 3),
        _ => Loop.GridStride(n, 5),
    };

    public const int ShapeCount = 3;

    /// <summary>Every (size, shape) pair, for theories over the launch shape.</summary>
    public static TheoryData<int, int> SizesAndShapes()
    {
        var data = new TheoryData<int, int>();
        foreach (int n in Sizes)
            for (int s = 0; s < ShapeCount; s++) data.Add(n, s);
        return data;
    }

    /// <summary>n values uniform in [lo, hi], none closer to zero than 0.05 (so nothing is all-zero or accidentally cancels).</summary>
    public static double[] RandomValues(int seed, int n, double lo = -2, double hi = 2)
    {
        var rng = new Random(seed);
        var x = new double[n];
        for (int i = 0; i < n; i++)
        {
            double v;
            do v = lo + (hi - lo) * rng.NextDouble(); while (Math.Abs(v) < 0.05);
            x[i] = v;
        }
        return x;
    }

    /// <summary>x as T holds it: what the kernel really sees, for comparisons that must be exact.</summary>
    public static double[] Rounded<T>(double[] x) where T : unmanaged, IFloatingPointIeee754<T> =>
        x.Select(v => double.CreateTruncating(T.CreateTruncating(v))).ToArray();

    public static MemoryBuffer1D<T, Stride1D.Dense> Upload<T>(double[] x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Gpu.Accelerator.Allocate1D(x.Select(T.CreateTruncating).ToArray());

    public static MemoryBuffer1D<T, Stride1D.Dense> Poisoned<T>(int n) where T : unmanaged, IFloatingPointIeee754<T> =>
        Gpu.Accelerator.Allocate1D(Enumerable.Repeat(T.NaN, n).ToArray());

    public static MemoryBuffer1D<int, Stride1D.Dense> PoisonedInts(int n) =>
        Gpu.Accelerator.Allocate1D(Enumerable.Repeat(-1, n).ToArray());

    public static double[] Download<T>(MemoryBuffer1D<T, Stride1D.Dense> buffer) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Gpu.Synchronize();
        return buffer.GetAsArray1D().Select(double.CreateTruncating).ToArray();
    }

    /// <summary>A few rounding errors of T, relative to the magnitude of the quantity.</summary>
    public static double Tolerance<T>() => typeof(T) == typeof(float) ? 2e-6 : 1e-13;

    /// <summary>Every element within Tolerance&lt;T&gt;·scale·max(1, |expected|), where scale covers error growth (e.g. a sum's length).</summary>
    public static void AssertClose<T>(double[] expected, double[] actual, double scale = 1, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        double tol = Tolerance<T>() * scale;
        for (int i = 0; i < expected.Length; i++)
        {
            double bound = tol * Math.Max(1, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= bound,
                $"{what}[{i}] ({typeof(T).Name}): expected {expected[i]:R}, got {actual[i]:R}, tolerance {bound:G3}");
        }
    }

    /// <summary>The length of the accuracy tests of the float reductions (issue 14: a deep contractive term sums 200,704 squares).</summary>
    public const int LongSum = 200_000;

    /// <summary>
    /// Each float result within 1e-6 relative of the double result over the same (float-rounded) inputs: what a blocked,
    /// compensated sum gives at any length, and a single running float sum does not at 200,000 terms.
    /// </summary>
    public static void WithinOneMicro(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double relative = Math.Abs(actual[i] - expected[i]) / Math.Abs(expected[i]);
            Assert.True(relative <= 1e-6, $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}, {relative:E2} relative (1e-6 allowed)");
        }
    }
}
