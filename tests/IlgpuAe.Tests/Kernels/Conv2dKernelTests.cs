using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using IlgpuAe.Compute;
using IlgpuAe.Kernels;
using Xunit;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// Conv2d and ConvTranspose2d, every pass, on both bodies (the CPU accelerator's float bodies with the SIMD GEMM; the
/// GPUs' tiled implicit GEMM, run on the CPU accelerator) and in double, against the direct double
/// reference. Every output and the scratch start as NaN, so an element left unwritten, or an output read before it is
/// written, fails. Tolerance per element: 1e-12 (double) or 3e-6·(terms + 8) (float) times max(1, |expected|), terms
/// the products a sum adds up.
/// </summary>
public class Conv2dKernelTests
{
    /// <summary>The GPU implicit-GEMM body needs 256-thread groups; the CPU accelerator gives one OS thread each.</summary>
    static readonly Lazy<Device> Grouped = new(() => Device.OpenCpu(32, Conv2dKernels.GpuThreads / 32, 1));

    static Device For(ConvBody body) => body == ConvBody.Gpu ? Grouped.Value : TestDevice.Cpu;

    /// <summary>(batch, channels, height, width, filters, kernel, stride, padding): square and not, strides 1-3, windows of padding alone, a kernel wider than the image.</summary>
    public static readonly (int B, int C, int H, int W, int O, int K, int S, int P)[] Shapes =
    [
        (2, 3, 5, 6, 4, 3, 1, 1),
        (3, 2, 8, 8, 5, 4, 2, 1),
        (1, 1, 4, 4, 2, 1, 1, 0),
        (2, 2, 7, 5, 3, 2, 3, 0),
        (2, 1, 3, 3, 2, 4, 1, 2),
        (2, 3, 9, 7, 2, 5, 2, 2),
        (1, 2, 6, 6, 1, 1, 1, 1),
    ];

    public static TheoryData<int, ConvBody, bool> Cases()
    {
        var data = new TheoryData<int, ConvBody, bool>();
        for (int i = 0; i < Shapes.Length; i++)
        {
            data.Add(i, ConvBody.Cpu, false);
            data.Add(i, ConvBody.Cpu, true);
            data.Add(i, ConvBody.Gpu, false);
        }
        return data;
    }

    static Conv2dShape ShapeOf(int i)
    {
        var c = Shapes[i];
        return new Conv2dShape(c.B, c.C, c.H, c.W, c.O, c.K, c.S, c.P);
    }

    static double[] Random(int seed, long n) => KernelHarness.RandomValues(seed, (int)n, -1, 1);

    sealed class Buffers<T>(Device d) : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
    {
        readonly List<IDisposable> _owned = [];

        public ArrayView<T> Up(double[] x)
        {
            var b = d.Accelerator.Allocate1D(x.Select(T.CreateTruncating).ToArray());
            _owned.Add(b);
            return b.View;
        }

        public ArrayView<T> Nan(long n) => Up(Enumerable.Repeat(double.NaN, (int)n).ToArray());

        public double[] Down(ArrayView<T> v)
        {
            d.Synchronize();
            var host = new T[v.Length];
            v.CopyToCPU(host);
            return host.Select(double.CreateTruncating).ToArray();
        }

        public void Dispose() { foreach (var b in _owned) b.Dispose(); }
    }

    static void Close<T>(double[] expected, double[] actual, int terms, string what)
    {
        double tol = typeof(T) == typeof(double) ? 1e-12 : 3e-6 * (terms + 8);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * Math.Max(1, Math.Abs(expected[i])),
                $"{what}[{i}] ({typeof(T).Name}): expected {expected[i]:R}, got {actual[i]:R}");
    }

    static double[] Rounded<T>(double[] x) where T : unmanaged, IFloatingPointIeee754<T> => KernelHarness.Rounded<T>(x);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Conv2d_forward_adds_the_bias_and_applies_the_activation_like_the_direct_reference(int shape, ConvBody body, bool inDouble)
    {
        if (inDouble) Forward<double>(shape, body); else Forward<float>(shape, body);
    }

    static void Forward<T>(int shape, ConvBody body) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = ShapeOf(shape);
        var d = For(body);
        using var m = new Buffers<T>(d);
        double[] x = Rounded<T>(Random(1, s.InputLength)), w = Rounded<T>(Random(2, s.WeightLength)), b = Rounded<T>(Random(3, s.Filters));
        foreach (var f in new[] { Activation.Identity, Activation.Relu, Activation.Sigmoid })
        {
            var y = m.Nan(s.OutputLength);
            Conv2dLaunch.Forward(d, body, s, m.Up(x), m.Up(w), m.Up(b), y, f, T.CreateTruncating(0.01), m.Nan(Conv2dLaunch.Scratch(s)));
            var expected = Conv2dReference.Forward(s, x, w, b, v => ActivationReference.Forward(f, v, 0.01));
            Close<T>(expected, m.Down(y), s.ColRows, $"conv2d {s} {f}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Conv2d_backward_gives_the_reference_input_weight_and_bias_gradients(int shape, ConvBody body, bool inDouble)
    {
        if (inDouble) Backward<double>(shape, body); else Backward<float>(shape, body);
    }

    static void Backward<T>(int shape, ConvBody body) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = ShapeOf(shape);
        var d = For(body);
        using var m = new Buffers<T>(d);
        double[] x = Rounded<T>(Random(4, s.InputLength)), w = Rounded<T>(Random(5, s.WeightLength)), dz = Rounded<T>(Random(6, s.OutputLength));
        var dx = m.Nan(s.InputLength);
        var dw = m.Nan(s.WeightLength);
        var db = m.Nan(s.Filters);
        Conv2dLaunch.Backward(d, body, s, m.Up(x), m.Up(w), m.Up(dz), dx, T.Zero, dw, T.Zero, db, T.Zero, m.Nan(Conv2dLaunch.Scratch(s)));
        Close<T>(Conv2dReference.BackwardInput(s, dz, w), m.Down(dx), s.Filters * s.Kernel * s.Kernel, "dx");
        Close<T>(Conv2dReference.BackwardWeights(s, x, dz), m.Down(dw), (int)s.ColCols, "dW");
        Close<T>(Conv2dReference.BackwardBias(s.Batch, s.Filters, s.OutPlane, dz), m.Down(db), (int)s.ColCols, "db");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Conv2d_backward_with_beta_one_adds_to_the_gradients_already_there(int shape, ConvBody body, bool inDouble)
    {
        if (inDouble) Accumulates<double>(shape, body); else Accumulates<float>(shape, body);
    }

    static void Accumulates<T>(int shape, ConvBody body) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = ShapeOf(shape);
        var d = For(body);
        using var m = new Buffers<T>(d);
        double[] x = Rounded<T>(Random(7, s.InputLength)), w = Rounded<T>(Random(8, s.WeightLength)), dz = Rounded<T>(Random(9, s.OutputLength));
        double[] ox = Rounded<T>(Random(10, s.InputLength)), ow = Rounded<T>(Random(11, s.WeightLength)), ob = Rounded<T>(Random(12, s.Filters));
        var (dx, dw, db) = (m.Up(ox), m.Up(ow), m.Up(ob));
        Conv2dLaunch.Backward(d, body, s, m.Up(x), m.Up(w), m.Up(dz), dx, T.One, dw, T.One, db, T.One, m.Nan(Conv2dLaunch.Scratch(s)));
        static double[] Plus(double[] a, double[] b) => a.Zip(b, (p, q) => p + q).ToArray();
        Close<T>(Plus(ox, Conv2dReference.BackwardInput(s, dz, w)), m.Down(dx), s.Filters * s.Kernel * s.Kernel, "dx");
        Close<T>(Plus(ow, Conv2dReference.BackwardWeights(s, x, dz)), m.Down(dw), (int)s.ColCols, "dW");
        Close<T>(Plus(ob, Conv2dReference.BackwardBias(s.Batch, s.Filters, s.OutPlane, dz)), m.Down(db), (int)s.ColCols, "db");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ConvTranspose2d_forward_and_backward_match_the_reference(int shape, ConvBody body, bool inDouble)
    {
        if (inDouble) Transposed<double>(shape, body); else Transposed<float>(shape, body);
    }

    static void Transposed<T>(int shape, ConvBody body) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // s is the convolution transposed: the transposed layer reads [B, Filters, OH, OW] and writes [B, Channels, H, W].
        var s = ShapeOf(shape);
        var d = For(body);
        using var m = new Buffers<T>(d);
        double[] x = Rounded<T>(Random(13, s.OutputLength)), w = Rounded<T>(Random(14, s.WeightLength)), b = Rounded<T>(Random(15, s.Channels));
        var y = m.Nan(s.InputLength);
        Conv2dLaunch.TransposedForward(d, body, s, m.Up(x), m.Up(w), m.Up(b), y, Activation.Tanh, T.Zero, m.Nan(Conv2dLaunch.Scratch(s)));
        Close<T>(Conv2dReference.TransposedForward(s, x, w, b, Math.Tanh), m.Down(y), s.Filters * s.Kernel * s.Kernel, $"convT {s}");

        double[] dz = Rounded<T>(Random(16, s.InputLength));
        var (dx, dw, db) = (m.Nan(s.OutputLength), m.Nan(s.WeightLength), m.Nan(s.Channels));
        Conv2dLaunch.TransposedBackward(d, body, s, m.Up(x), m.Up(w), m.Up(dz), dx, T.Zero, dw, T.Zero, db, T.Zero, m.Nan(Conv2dLaunch.Scratch(s)));
        // The transposed layer's input gradient is the convolution itself; its weight gradient pairs the roles of x and dy.
        Close<T>(Conv2dReference.Forward(s, dz, w, null), m.Down(dx), s.ColRows, "convT dx");
        Close<T>(Conv2dReference.BackwardWeights(s, dz, x), m.Down(dw), (int)s.ColCols, "convT dW");
        Close<T>(Conv2dReference.BackwardBias(s.Batch, s.Channels, s.InPlane, dz), m.Down(db), s.Batch * s.InPlane, "convT db");
    }

    [Fact]
    public void The_CPU_col2im_and_channel_sums_give_the_generic_kernels_bits()
    {
        var s = new Conv2dShape(3, 4, 9, 8, 5, 3, 2, 1);
        var d = TestDevice.Cpu;
        using var m = new Buffers<float>(d);
        var col = m.Up(Random(17, s.ColLength));
        var bias = m.Up(Random(18, s.Channels));
        var prior = Random(19, s.InputLength);
        var sums = new List<double[]>();
        foreach (var body in new[] { ConvBody.Cpu, ConvBody.Gpu })
        {
            var x = m.Up(prior);
            Conv2dLaunch.Col2Im(d, body, s, col, x, bias, 1f, Activation.Elu, 1f);
            var c = m.Nan(s.Channels);
            Conv2dLaunch.ChannelSums(d, body, s.Batch, s.Channels, s.InPlane, x, c, 0f);
            sums.Add([.. m.Down(x), .. m.Down(c)]);
        }
        Assert.Equal(sums[0], sums[1]);
    }

    [Fact]
    public void The_default_architecture_shapes_agree_with_the_reference_at_a_batch_of_two()
    {
        // The issue's encoder and decoder layers at 28x28 (conv 1->32, 32->64; convT 64->32, 32->1; k4 s2 p1), float CPU bodies.
        var d = TestDevice.Cpu;
        foreach (var s in new[] { new Conv2dShape(2, 1, 28, 28, 32, 4, 2, 1), new Conv2dShape(2, 32, 14, 14, 64, 4, 2, 1) })
        {
            using var m = new Buffers<float>(d);
            double[] x = Rounded<float>(Random(20, s.InputLength)), w = Rounded<float>(Random(21, s.WeightLength));
            var y = m.Nan(s.OutputLength);
            Conv2dLaunch.Forward(d, ConvBody.Cpu, s, m.Up(x), m.Up(w), default, y, Activation.Identity, 0f, m.Nan(Conv2dLaunch.Scratch(s)));
            Close<float>(Conv2dReference.Forward(s, x, w, null), m.Down(y), s.ColRows, $"conv2d {s}");
            var t = m.Nan(s.InputLength);
            double[] u = Rounded<float>(Random(22, s.OutputLength));
            Conv2dLaunch.TransposedForward(d, ConvBody.Cpu, s, m.Up(u), m.Up(w), default, t, Activation.Identity, 0f, m.Nan(Conv2dLaunch.Scratch(s)));
            Close<float>(Conv2dReference.TransposedForward(s, u, w, null), m.Down(t), s.Filters * 16, $"convT {s}");
        }
    }

    static Gen<(Conv2dShape S, int Seed)> RandomShapes =>
        from b in Gen.Choose(1, 3) from c in Gen.Choose(1, 3) from h in Gen.Choose(1, 7) from w in Gen.Choose(1, 7)
        from o in Gen.Choose(1, 3) from k in Gen.Choose(1, 4) from st in Gen.Choose(1, 3) from p in Gen.Choose(0, 2)
        from seed in Gen.Choose(1, 100000)
        let s = new Conv2dShape(b, c, h, w, o, k, st, p)
        where s.Problem() is null
        select (s, seed);

    [Fact]
    public void The_reference_gradients_match_central_finite_differences_of_the_reference_forward()
    {
        Prop.ForAll(RandomShapes.ToArbitrary(), c =>
        {
            var s = c.S;
            double[] x = Random(c.Seed, s.InputLength), w = Random(c.Seed + 1, s.WeightLength), b = Random(c.Seed + 2, s.Filters);
            double[] r = Random(c.Seed + 3, s.OutputLength);
            double L(double[] xx, double[] ww, double[] bb) => Conv2dReference.Forward(s, xx, ww, bb).Zip(r, (p, q) => p * q).Sum();
            var dx = Conv2dReference.BackwardInput(s, r, w);
            var dw = Conv2dReference.BackwardWeights(s, x, r);
            var db = Conv2dReference.BackwardBias(s.Batch, s.Filters, s.OutPlane, r);
            const double h = 1e-6;
            foreach (var (v, g) in new[] { (x, dx), (w, dw), (b, db) })
                for (int i = 0; i < v.Length; i += Math.Max(1, v.Length / 7))
                {
                    double saved = v[i];
                    v[i] = saved + h; double up = L(x, w, b);
                    v[i] = saved - h; double down = L(x, w, b);
                    v[i] = saved;
                    Assert.True(Math.Abs((up - down) / (2 * h) - g[i]) < 1e-6, $"{s}: coordinate {i}");
                }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(20).WithQuietOnSuccess(true));
    }

    [Fact]
    public void The_device_transposed_convolution_is_the_adjoint_of_the_device_convolution()
    {
        // <conv(x), y> = <x, convT(y)> with the same W, for random shapes: the two share col2im/im2col as each other's adjoint.
        var d = TestDevice.Cpu;
        Prop.ForAll(RandomShapes.ToArbitrary(), c =>
        {
            var s = c.S;
            using var m = new Buffers<double>(d);
            double[] x = Random(c.Seed, s.InputLength), w = Random(c.Seed + 1, s.WeightLength), y = Random(c.Seed + 2, s.OutputLength);
            var cx = m.Nan(s.OutputLength);
            Conv2dLaunch.Forward(d, ConvBody.Cpu, s, m.Up(x), m.Up(w), default, cx, Activation.Identity, 0.0, m.Nan(Conv2dLaunch.Scratch(s)));
            var ty = m.Nan(s.InputLength);
            Conv2dLaunch.TransposedForward(d, ConvBody.Cpu, s, m.Up(y), m.Up(w), default, ty, Activation.Identity, 0.0, m.Nan(Conv2dLaunch.Scratch(s)));
            double left = m.Down(cx).Zip(y, (p, q) => p * q).Sum(), right = m.Down(ty).Zip(x, (p, q) => p * q).Sum();
            Assert.True(Math.Abs(left - right) <= 1e-12 * (1 + Math.Abs(left)), $"{s}: {left:R} vs {right:R}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(10).WithQuietOnSuccess(true));
    }

    [Fact]
    public void Shapes_that_cannot_run_are_refused_with_the_reason()
    {
        Assert.Contains("larger than the padded input", new Conv2dShape(1, 1, 2, 2, 1, 5, 1, 1).Problem());
        Assert.Contains("stride", new Conv2dShape(1, 1, 4, 4, 1, 3, 0, 0).Problem());
        Assert.Contains("positive", new Conv2dShape(1, 0, 4, 4, 1, 3, 1, 0).Problem());
        var s = new Conv2dShape(1, 1, 4, 4, 1, 3, 1, 1);
        var d = TestDevice.Cpu;
        using var m = new Buffers<float>(d);
        var e = Assert.Throws<ArgumentException>(() => Conv2dLaunch.Forward(d, ConvBody.Cpu, s, m.Nan(15), m.Nan(9), default, m.Nan(16),
            Activation.Identity, 0f, m.Nan(Conv2dLaunch.Scratch(s))));
        Assert.Contains("image side has 15 elements, expected 16", e.Message);
    }

    [Fact]
    public void The_GPU_implicit_GEMM_body_gives_the_reference_in_double_over_several_tiles_of_every_product()
    {
        // Each of the three products spans two 64-row and two 64-column tiles, with several k-slices of 16 and a partial
        // last one, at sizes the simulated 256-thread groups run in seconds. s: 65 filters x 75 positions over 18 taps
        // (forward), 65 x 18 over 75 positions (weights, 5 slices); its input gradient (37 slices of the transposed
        // product) is left to the small shapes above, and the transposed product's tiles to u below.
        var s = new Conv2dShape(3, 2, 5, 5, 65, 3, 1, 1);
        var d = Grouped.Value;
        using var m = new Buffers<double>(d);
        double[] x = Random(30, s.InputLength), w = Random(31, s.WeightLength), b = Random(32, s.Filters), dz = Random(34, s.OutputLength);
        var scratch = m.Nan(Conv2dLaunch.Scratch(s));

        var y = m.Nan(s.OutputLength);
        Conv2dLaunch.Forward(d, ConvBody.Gpu, s, m.Up(x), m.Up(w), m.Up(b), y, Activation.Elu, 0.7, scratch);
        Close<double>(Conv2dReference.Forward(s, x, w, b, v => ActivationReference.Forward(Activation.Elu, v, 0.7)), m.Down(y), s.ColRows, "conv");

        // beta 1 adds to what is there.
        double[] ow = Random(37, s.WeightLength), ob = Random(38, s.Filters);
        var (dw, db) = (m.Up(ow), m.Up(ob));
        Conv2dLaunch.Backward(d, ConvBody.Gpu, s, m.Up(x), m.Up(w), m.Up(dz), default, 0.0, dw, 1.0, db, 1.0, scratch);
        static double[] Plus(double[] a, double[] c) => a.Zip(c, (p, q) => p + q).ToArray();
        Close<double>(Plus(ow, Conv2dReference.BackwardWeights(s, x, dz)), m.Down(dw), (int)s.ColCols, "dW");
        Close<double>(Plus(ob, Conv2dReference.BackwardBias(s.Batch, s.Filters, s.OutPlane, dz)), m.Down(db), (int)s.ColCols, "db");

        // The transposed product (also every convolution's input gradient): 65 output channels x 81 pixels over 18 terms;
        // stride 2 leaves 3 of 4 taps empty.
        var u = new Conv2dShape(1, 65, 9, 9, 2, 3, 2, 1);
        double[] ux = Random(39, u.OutputLength), uw = Random(40, u.WeightLength), ub = Random(41, u.Channels);
        var t = m.Nan(u.InputLength);
        Conv2dLaunch.TransposedForward(d, ConvBody.Gpu, u, m.Up(ux), m.Up(uw), m.Up(ub), t, Activation.LeakyRelu, 0.1, m.Nan(Conv2dLaunch.Scratch(u)));
        Close<double>(Conv2dReference.TransposedForward(u, ux, uw, ub, v => ActivationReference.Forward(Activation.LeakyRelu, v, 0.1)), m.Down(t), u.Filters * 9, "convT");
    }

    /// <summary>
    /// The float GPU bodies as PTX for sm_90: two shared arrays (the 16 x 65 A slice, one float of padding a row, and the
    /// 16 x 64 B slice), barriers, and no local memory: the accumulators stay in registers and no im2col buffer exists.
    /// </summary>
    [Fact]
    public void The_GPU_implicit_GEMM_bodies_compile_to_PTX_with_shared_tiles_and_no_local_memory()
    {
        using var ctx = Context.Create(b => b.CPU().EnableAlgorithms().Math(MathMode.Default).Optimize(OptimizationLevel.O1));
        using var backend = new PTXBackend(ctx, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90,
            CudaInstructionSet.ISA_80, null);
        var kernels = new[]
        {
            typeof(Conv2dKernels).GetMethod(nameof(Conv2dKernels.GpuConv))!.MakeGenericMethod(typeof(float), typeof(ReluAct<float>)),
            typeof(Conv2dKernels).GetMethod(nameof(Conv2dKernels.GpuConvTransposed))!.MakeGenericMethod(typeof(float), typeof(SigmoidAct<float>)),
            typeof(Conv2dKernels).GetMethod(nameof(Conv2dKernels.GpuConvWeights))!.MakeGenericMethod(typeof(float)),
        };
        foreach (var method in kernels)
        {
            string ptx = ((PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(method), default)).PTXAssembly;
            var sizes = System.Text.RegularExpressions.Regex.Matches(ptx, @"\.shared \.align \d+ \.b8 \w+\[(\d+)\]")
                .Select(g => int.Parse(g.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Order().ToArray();
            Assert.Equal([Conv2dKernels.GpuDepth * Conv2dKernels.GpuTileN * 4, Conv2dKernels.GpuDepth * (Conv2dKernels.GpuTileM + 1) * 4], sizes);
            Assert.Contains("bar.sync", ptx, StringComparison.Ordinal);
            Assert.DoesNotContain(".local", ptx, StringComparison.Ordinal);
        }
    }
}
