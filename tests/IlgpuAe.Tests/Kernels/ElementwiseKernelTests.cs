using System.Numerics;
using ILGPU.Runtime;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

/// <summary>Each elementwise kernel equals its double reference on every size and launch shape, in float and double.</summary>
public sealed class ElementwiseKernelTests
{
    public static TheoryData<int, int> Cases() => SizesAndShapes();

    [Theory, MemberData(nameof(Cases))]
    public void Fill_writes_the_value_to_every_element(int n, int shape)
    {
        Fill<float>(n, shape);
        Fill<double>(n, shape);
    }

    static void Fill<T>(int n, int shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var y = Poisoned<T>(n);
        var loop = Shape(shape, n);
        Gpu.Load<Loop, ArrayView<T>, T>(ElementwiseKernels.Fill)(loop.Threads, loop, y.View, T.CreateTruncating(-1.25));
        Assert.All(Download(y), v => Assert.Equal(-1.25, v));
    }

    [Theory, MemberData(nameof(Cases))]
    public void Copy_reproduces_the_input(int n, int shape)
    {
        Copy<float>(n, shape);
        Copy<double>(n, shape);
    }

    static void Copy<T>(int n, int shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = RandomValues(n, n);
        using var dx = Upload<T>(x);
        using var y = Poisoned<T>(n);
        var loop = Shape(shape, n);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>>(ElementwiseKernels.Copy)(loop.Threads, loop, dx.View, y.View);
        Assert.Equal(Download(dx), Download(y));
    }

    [Theory, MemberData(nameof(Cases))]
    public void Axpby_overwrites_when_beta_is_zero_and_blends_otherwise(int n, int shape)
    {
        Axpby<float>(n, shape);
        Axpby<double>(n, shape);
    }

    static void Axpby<T>(int n, int shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = RandomValues(1, n);
        var y0 = RandomValues(2, n);
        var loop = Shape(shape, n);
        var axpby = Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, T, T>(ElementwiseKernels.Axpby);
        using var dx = Upload<T>(x);

        using var poisoned = Poisoned<T>(n);
        axpby(loop.Threads, loop, dx.View, poisoned.View, T.CreateTruncating(1.5), T.Zero);
        AssertClose<T>(ElementwiseReference.Axpby(x, y0, 1.5, 0), Download(poisoned), what: "beta=0");

        using var dy = Upload<T>(y0);
        axpby(loop.Threads, loop, dx.View, dy.View, T.CreateTruncating(-0.75), T.CreateTruncating(0.5));
        AssertClose<T>(ElementwiseReference.Axpby(x, y0, -0.75, 0.5), Download(dy), what: "beta=0.5");
    }

    [Theory, MemberData(nameof(Cases))]
    public void Add_Mul_and_Scale_match_the_reference(int n, int shape)
    {
        Binary<float>(n, shape);
        Binary<double>(n, shape);
    }

    static void Binary<T>(int n, int shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = RandomValues(3, n);
        var b = RandomValues(4, n);
        var loop = Shape(shape, n);
        using var da = Upload<T>(a);
        using var db = Upload<T>(b);

        using var sum = Poisoned<T>(n);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>>(ElementwiseKernels.Add)(loop.Threads, loop, da.View, db.View, sum.View);
        AssertClose<T>(ElementwiseReference.Add(a, b), Download(sum), what: "add");

        using var product = Poisoned<T>(n);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>>(ElementwiseKernels.Mul)(loop.Threads, loop, da.View, db.View, product.View);
        AssertClose<T>(ElementwiseReference.Mul(a, b), Download(product), what: "mul");

        using var scaled = Poisoned<T>(n);
        Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, T>(ElementwiseKernels.Scale)(loop.Threads, loop, da.View, scaled.View, T.CreateTruncating(-3.5));
        AssertClose<T>(ElementwiseReference.Scale(a, -3.5), Download(scaled), what: "scale");
    }

    [Theory, MemberData(nameof(Cases))]
    public void IsFinite_flags_exactly_the_threads_that_own_a_NaN_or_infinity(int n, int shape)
    {
        IsFinite<float>(n, shape);
        IsFinite<double>(n, shape);
    }

    static void IsFinite<T>(int n, int shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = Shape(shape, n);
        var isFinite = Gpu.Load<Loop, ArrayView<T>, ArrayView<int>>(ElementwiseKernels.IsFinite);
        var allSet = Gpu.Load<ArrayView<int>, ArrayView<int>, int>(ReductionKernels.AllSet);
        foreach (var bad in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0 })
        {
            // 0.0 stands for "nothing bad": the buffer stays finite.
            var x = RandomValues(5, n, -1e30, 1e30);
            int at = n / 2;
            if (bad != 0) x[at] = bad;
            using var dx = Upload<T>(x);
            using var flags = PoisonedInts(loop.Threads);
            using var all = PoisonedInts(1);

            isFinite(loop.Threads, loop, dx.View, flags.View);
            allSet(1, flags.View, all.View, loop.Threads);
            Gpu.Synchronize();

            int owner = (at / loop.Span) % loop.Threads;
            var f = flags.GetAsArray1D();
            for (int k = 0; k < f.Length; k++)
                Assert.Equal(bad != 0 && k == owner ? 0 : 1, f[k]);
            Assert.Equal(bad != 0 ? 0 : 1, all.GetAsArray1D()[0]);
            Assert.Equal(ElementwiseReference.AllFinite(x), all.GetAsArray1D()[0] == 1);
        }
    }
}
