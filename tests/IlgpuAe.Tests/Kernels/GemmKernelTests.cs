using System.Numerics;
using System.Reflection;
using System.Runtime.CompilerServices;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using ILGPU.Algorithms;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using IlgpuAe.Compute;
using IlgpuBackend = ILGPU.Backends.Backend;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// Both GEMM bodies against the double reference. Tolerance, per element, relative to
/// s = |alpha|·Σ_p |op(A)[i,p]·op(B)[p,j]| + |beta·C[i,j]| + |bias[j]| + |expected|:
/// double 1e-12·s; float 2e-7·(k + 8)·s (k roundings of one ulp each, plus the epilogue).
/// </summary>
public class GemmKernelTests
{
    /// <summary>The GPU body needs 256-thread groups; the CPU accelerator gives one OS thread each.</summary>
    static readonly Lazy<Device> Grouped = new(() => Device.OpenCpu(32, GemmKernels.GpuThreads / 32, 1));

    static Device For(GemmBody body) => body == GemmBody.Gpu ? Grouped.Value : TestDevice.Cpu;

    static double[] Random(System.Random rng, int count, double lo = -1, double hi = 1)
    {
        var x = new double[count];
        for (int i = 0; i < count; i++) x[i] = lo + (hi - lo) * rng.NextDouble();
        if (count > 0 && x.All(v => v == 0)) x[0] = 0.5;
        return x;
    }

    /// <summary>ILGPU cannot allocate from an empty array: buffers get at least one element, views the true length.</summary>
    static MemoryBuffer1D<T, Stride1D.Dense> Upload<T>(Device device, double[] x, int offset = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var buffer = device.Accelerator.Allocate1D<T>(Math.Max(1, x.Length + offset + Slack<T>()));
        if (x.Length > 0) View(buffer, x.Length, offset).CopyFromCPU(x.Select(T.CreateChecked).ToArray());
        return buffer;
    }

    /// <summary>Elements of room for <see cref="View{T}"/> to start on a 32-byte boundary, whatever the allocator gave.</summary>
    static int Slack<T>() where T : unmanaged => 32 / Unsafe.SizeOf<T>();

    /// <summary>
    /// <paramref name="length"/> elements from <paramref name="offset"/> elements past the buffer's first 32-byte boundary:
    /// offset 0 is aligned for quad loads of float and double, an odd offset is not.
    /// </summary>
    static ArrayView<T> View<T>(MemoryBuffer1D<T, Stride1D.Dense> buffer, int length, int offset = 0) where T : unmanaged
    {
        long address = buffer.NativePtr.ToInt64();
        int aligned = buffer.Length > Slack<T>() ? (int)((32 - address % 32) % 32 / Unsafe.SizeOf<T>()) : 0;
        return buffer.View.SubView(aligned + offset, length);
    }

    static float[] Host(MemoryBuffer1D<float, Stride1D.Dense> buffer, int length)
    {
        var host = new float[length];
        if (length > 0) View(buffer, length).CopyToCPU(host);
        return host;
    }

    /// <summary>Runs one case on the device and returns the worst error over the allowed error (must be &lt;= 1).</summary>
    static double Case<T>(GemmBody body, bool transA, bool transB, int m, int n, int k, double alpha, double beta,
        bool withBias, Activation activation = Activation.Identity, double activationParam = 0, int seed = 1,
        int offset = 0, int? expectQuads = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var device = For(body);
        var rng = new System.Random(seed * 7919 + m * 131 + n * 31 + k);
        double[] a = Random(rng, m * k), b = Random(rng, k * n);
        double[] c0 = beta == 0 ? Enumerable.Repeat(double.NaN, m * n).ToArray() : Random(rng, m * n);
        double[]? bias = withBias ? Random(rng, n) : null;
        // Values exactly representable in T, so that the reference sees the kernel's inputs.
        static double[] Round(double[] x) => x.Select(v => double.CreateChecked(T.CreateChecked(v))).ToArray();
        a = Round(a); b = Round(b); c0 = Round(c0); if (bias != null) bias = Round(bias);

        using var da = Upload<T>(device, a, offset);
        using var db = Upload<T>(device, b, offset);
        using var dc = Upload<T>(device, c0);
        using var dbias = Upload<T>(device, bias ?? []);
        if (expectQuads is { } quads)
            Assert.Equal(quads, Gemm.QuadsOf(new GemmShape<T>(transA, transB, m, n, k, T.One, T.Zero, T.Zero),
                View(da, a.Length, offset), View(db, b.Length, offset)));
        Gemm.Run(device, body, transA, transB, m, n, k, T.CreateChecked(alpha), View(da, a.Length, offset), View(db, b.Length, offset),
            T.CreateChecked(beta), View(dc, c0.Length), withBias ? View(dbias, n) : default, activation,
            T.CreateChecked(activationParam));
        device.Synchronize();
        var got = new T[c0.Length];
        View(dc, c0.Length).CopyToCPU(got);

        var expected = (double[])c0.Clone();
        GemmReference.Run(transA, transB, m, n, k, alpha, a, b, beta, expected, bias, activation, activationParam);
        var scale = c0.Select(Math.Abs).ToArray();
        GemmReference.Run(transA, transB, m, n, k, Math.Abs(alpha), a.Select(Math.Abs).ToArray(),
            b.Select(Math.Abs).ToArray(), Math.Abs(beta), scale, bias?.Select(Math.Abs).ToArray());
        double tol = typeof(T) == typeof(double) ? 1e-12 : 2e-7 * (k + 8);
        double worst = 0;
        for (int i = 0; i < m * n; i++)
        {
            double g = double.CreateChecked(got[i]);
            Assert.False(double.IsNaN(g), $"NaN at {i / n},{i % n} ({typeof(T).Name}, {body}, tA={transA}, tB={transB}, {m}x{n}x{k})");
            double allowed = tol * (scale[i] + Math.Abs(expected[i])) + 1e-300;
            worst = Math.Max(worst, Math.Abs(g - expected[i]) / allowed);
        }
        return worst;
    }

    static void Check<T>(GemmBody body, bool transA, bool transB, int m, int n, int k, double alpha, double beta,
        bool withBias, Activation activation = Activation.Identity, double activationParam = 0, int seed = 1,
        int offset = 0, int? expectQuads = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double worst = Case<T>(body, transA, transB, m, n, k, alpha, beta, withBias, activation, activationParam, seed, offset, expectQuads);
        Assert.True(worst <= 1, $"{typeof(T).Name} {body} tA={transA} tB={transB} {m}x{n}x{k} alpha={alpha} beta={beta} " +
            $"bias={withBias} {activation}: error {worst:G3} x the tolerance");
    }

    static readonly (int M, int N, int K)[] Shapes = [(1, 1, 1), (3, 17, 5), (17, 33, 65), (65, 3, 33), (33, 65, 17), (70, 67, 1)];

    public static TheoryData<GemmBody, bool, bool> Combos()
    {
        var d = new TheoryData<GemmBody, bool, bool>();
        foreach (var body in new[] { GemmBody.Cpu, GemmBody.Gpu })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    d.Add(body, ta, tb);
        return d;
    }

    [Theory]
    [MemberData(nameof(Combos))]
    public void Gemm_AllTransposes_OddShapes_Float(GemmBody body, bool transA, bool transB)
    {
        foreach (var (m, n, k) in Shapes) Check<float>(body, transA, transB, m, n, k, 1, 0, false);
    }

    [Theory]
    [MemberData(nameof(Combos))]
    public void Gemm_AllTransposes_OddShapes_Double(GemmBody body, bool transA, bool transB)
    {
        foreach (var (m, n, k) in Shapes) Check<double>(body, transA, transB, m, n, k, 1, 0, false);
    }

    /// <summary>
    /// m &lt; n with several 32-column panels per thread: the float CPU body splits columns between threads;
    /// the last two shapes cross its 512-column and 256-deep cache blocks.
    /// </summary>
    [Fact]
    public void Gemm_CpuBody_WideOutputs_SplitByColumns()
    {
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                foreach (var (m, n, k) in new[] { (5, 200, 33), (13, 129, 70), (1, 97, 3), (64, 257, 17), (3, 1100, 300), (70, 40, 700), (16, 200, 600), (128, 400, 784) })
                {
                    Check<float>(GemmBody.Cpu, ta, tb, m, n, k, 1, 0, false);
                    Check<float>(GemmBody.Cpu, ta, tb, m, n, k, -0.5, 1.5, true, Activation.Sigmoid);
                    Check<double>(GemmBody.Cpu, ta, tb, m, n, k, 0.5, 0, true, Activation.Elu, 0.7);
                }
    }

    /// <summary>
    /// A Linear layer's db = Σ_rows dz rides in the launch of dW = dzᵀ·x: the row sums of op(A) come out with the bits of
    /// the separate column-sum kernel (same order of additions), and the product with the GEMM's, in every transpose, for
    /// row bands (m ≥ n) and column groups (m &lt; n), with and without accumulation, k = 0 included.
    /// </summary>
    [Fact]
    public void Gemm_RowSumsOfA_ride_along_with_the_bits_of_the_column_sum_kernel()
    {
        var device = TestDevice.Cpu;
        foreach (bool ta in new[] { true, false })
            foreach (bool tb in new[] { false, true })
                foreach (var (m, n, k) in new[] { (400, 784, 128), (20, 400, 128), (784, 400, 64), (37, 5, 19), (16, 200, 0), (1, 3, 2) })
                    foreach (float sumsBeta in new[] { 0f, 1f })
                    {
                        var rng = new System.Random(m * 31 + n * 7 + k);
                        var a = Random(rng, m * k).Select(v => (double)(float)v).ToArray();
                        var b = Random(rng, k * n).Select(v => (double)(float)v).ToArray();
                        var prior = Random(rng, m).Select(v => (double)(float)v).ToArray();
                        using var da = Upload<float>(device, a);
                        using var db = Upload<float>(device, b);
                        using var dc = Upload<float>(device, new double[m * n]);
                        using var fused = Upload<float>(device, prior);
                        using var separate = Upload<float>(device, prior);
                        using var plain = Upload<float>(device, new double[m * n]);
                        Assert.True(Gemm.TryRunWithRowSums(device, ta, tb, m, n, k, 1f, View(da, a.Length), View(db, b.Length), 0f,
                            View(dc, m * n), View(fused, m), sumsBeta));
                        Gemm.Run(device, ta, tb, m, n, k, 1f, View(da, a.Length), View(db, b.Length), 0f, View(plain, m * n));
                        // op(A) [m, k] is the column sums' x [k, m] when A is stored [k, m] (ta); otherwise sum its transpose.
                        var x = ta ? a : Enumerable.Range(0, k * m).Select(i => a[(i % m) * k + i / m]).ToArray();
                        using var dx = Upload<float>(device, x);
                        if (k > 0)
                        {
                            var sums = device.Load<Loop, ArrayView<float>, ArrayView<float>, int, float, float>(ReductionKernels.CpuColumnSums);
                            var loop = device.LoopFor(m);
                            sums(loop.Threads, loop, View(dx, x.Length), View(separate, m), k, 1f, sumsBeta);
                        }
                        else if (sumsBeta == 0) View(separate, m).MemSetToZero(); // an empty sum; beta 1 keeps the prior
                        device.Synchronize();
                        string what = $"tA={ta} tB={tb} {m}x{n}x{k} beta={sumsBeta}";
                        Assert.True(Host(separate, m).SequenceEqual(Host(fused, m)), $"row sums differ: {what}");
                        Assert.True(Host(plain, m * n).SequenceEqual(Host(dc, m * n)), $"product differs: {what}");
                    }
    }

    [Theory]
    [InlineData(GemmBody.Cpu)]
    [InlineData(GemmBody.Gpu)]
    public void Gemm_AlphaBetaCombos(GemmBody body)
    {
        foreach (var (alpha, beta) in new[] { (1.0, 0.0), (-0.5, 0.0), (1.0, 1.0), (0.7, -1.3), (0.0, 2.0), (2.0, 0.5) })
        {
            Check<float>(body, false, true, 17, 33, 65, alpha, beta, false);
            Check<double>(body, true, false, 33, 17, 19, alpha, beta, true);
        }
    }

    [Theory]
    [InlineData(GemmBody.Cpu, Activation.Identity, 0.0)]
    [InlineData(GemmBody.Cpu, Activation.Relu, 0.0)]
    [InlineData(GemmBody.Cpu, Activation.LeakyRelu, 0.1)]
    [InlineData(GemmBody.Cpu, Activation.Sigmoid, 0.0)]
    [InlineData(GemmBody.Cpu, Activation.Tanh, 0.0)]
    [InlineData(GemmBody.Cpu, Activation.Softplus, 0.0)]
    [InlineData(GemmBody.Cpu, Activation.Elu, 1.0)]
    [InlineData(GemmBody.Gpu, Activation.Relu, 0.0)]
    [InlineData(GemmBody.Gpu, Activation.LeakyRelu, 0.1)]
    [InlineData(GemmBody.Gpu, Activation.Sigmoid, 0.0)]
    [InlineData(GemmBody.Gpu, Activation.Tanh, 0.0)]
    [InlineData(GemmBody.Gpu, Activation.Softplus, 0.0)]
    [InlineData(GemmBody.Gpu, Activation.Elu, 0.5)]
    public void Gemm_BiasAndActivationEpilogue(GemmBody body, Activation activation, double param)
    {
        Check<float>(body, false, true, 33, 17, 65, 1, 0, true, activation, param);
        Check<double>(body, false, false, 17, 65, 33, 0.5, 0.25, true, activation, param);
        Check<double>(body, true, true, 3, 5, 7, 1, 0, false, activation, param);
    }

    [Theory]
    [InlineData(GemmBody.Cpu)]
    [InlineData(GemmBody.Gpu)]
    public void Gemm_EmptyInnerDimension_GivesEpilogueOfBetaC(GemmBody body)
    {
        Check<double>(body, false, false, 5, 7, 0, 1, 0.5, true, Activation.Tanh);
        Check<float>(body, true, true, 5, 7, 0, 1, 0, true);
    }

    public static TheoryData<bool, bool> Transposes() => new() { { false, false }, { false, true }, { true, false }, { true, true } };

    /// <summary>
    /// The GPU body past one 128x128 tile and one 8-deep slice: primes, the 300 edge, and shapes whose every stride is a
    /// multiple of 4 (read in aligned quads, k = 44 ending in a half slice, m = 260 in a quad past two tiles), then the same
    /// shape from views one element off alignment (element loads). Float, every transpose, one case with the epilogue.
    /// </summary>
    [Theory]
    [MemberData(nameof(Transposes))]
    public void Gemm_GpuBody_SeveralTiles_PrimeShapes_And_Quad_Loads(bool transA, bool transB)
    {
        foreach (var (m, n, k) in new[] { (131, 7, 67), (3, 257, 131), (299, 139, 11) })
            Check<float>(GemmBody.Gpu, transA, transB, m, n, k, 1, 0, false, expectQuads: 0);
        Check<float>(GemmBody.Gpu, transA, transB, 260, 132, 44, 1, 0, false, expectQuads: GemmKernels.QuadsA | GemmKernels.QuadsB);
        Check<float>(GemmBody.Gpu, transA, transB, 260, 132, 44, -0.5, 1.5, true, Activation.Sigmoid, offset: 1, expectQuads: 0);
        // Quads of double are 32 bytes: whether this allocator's buffers start on such a boundary decides the path taken.
        Check<double>(GemmBody.Gpu, transA, transB, 136, 12, 20, 0.5, 0, true, Activation.Elu, 0.7);
    }

    /// <summary>Shapes 1..64 and 4 bits: transA, transB, bias, beta != 0.</summary>
    static readonly Gen<(int, int, int, int)> Cases =
        from m in Gen.Choose(1, 64)
        from n in Gen.Choose(1, 64)
        from k in Gen.Choose(1, 64)
        from bits in Gen.Choose(0, 15)
        select (m, n, k, bits);

    [Property(MaxTest = 40)]
    public Property Gemm_CpuBody_RandomShapes_MatchReference() =>
        Prop.ForAll(Cases.ToArbitrary(), x =>
            {
                var (m, n, k, bits) = x;
                bool ta = (bits & 1) != 0, tb = (bits & 2) != 0, bias = (bits & 4) != 0;
                double beta = (bits & 8) != 0 ? 0.5 : 0;
                return Case<float>(GemmBody.Cpu, ta, tb, m, n, k, 1.25, beta, bias, seed: bits) <= 1
                    && Case<double>(GemmBody.Cpu, ta, tb, m, n, k, -0.75, beta, bias, seed: bits) <= 1;
            });

    /// <summary>Shapes 1..160 (across the 128 tile; a quarter of them multiples of 4, read in quads) and the same 4 bits.</summary>
    static readonly Gen<(int, int, int, int)> GpuCases =
        from m in Gen.Choose(1, 160)
        from n in Gen.Choose(1, 160)
        from k in Gen.Choose(1, 160)
        from quad in Gen.Choose(0, 3)
        from bits in Gen.Choose(0, 15)
        select quad == 0 ? ((m + 3) / 4 * 4, (n + 3) / 4 * 4, (k + 3) / 4 * 4, bits) : (m, n, k, bits);

    [Property(MaxTest = 8)]
    public Property Gemm_GpuBody_RandomShapes_MatchReference() =>
        Prop.ForAll(GpuCases.ToArbitrary(), x =>
            {
                var (m, n, k, bits) = x;
                bool ta = (bits & 1) != 0, tb = (bits & 2) != 0, bias = (bits & 4) != 0;
                double beta = (bits & 8) != 0 ? 0.5 : 0;
                return Case<float>(GemmBody.Gpu, ta, tb, m, n, k, 1.25, beta, bias, seed: bits) <= 1;
            });

    [Fact]
    public void Gemm_LengthMismatch_ThrowsNamingTheOperand()
    {
        var device = TestDevice.Cpu;
        using var a = device.Accelerator.Allocate1D<float>(6);
        using var b = device.Accelerator.Allocate1D<float>(12);
        using var c = device.Accelerator.Allocate1D<float>(8);
        using var bias = device.Accelerator.Allocate1D<float>(3);
        var e = Assert.Throws<ArgumentException>(() => Gemm.Run(device, false, false, 2, 4, 4, 1f, a.View, b.View, 0f, c.View));
        Assert.Contains("operand A", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.Run(device, false, false, 2, 4, 3, 1f, a.View, b.View, 0f, c.View.SubView(0, 7)));
        Assert.Contains("output C", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.Run(device, false, true, 2, 4, 3, 1f, a.View, b.View.SubView(0, 11), 0f, c.View));
        Assert.Contains("operand B", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.Run(device, false, false, 2, 4, 3, 1f, a.View, b.View, 0f, c.View, bias.View));
        Assert.Contains("bias", e.Message);
    }

    /// <summary>Every GEMM kernel instantiation the launcher can pick, as a method and whether it is explicitly grouped.</summary>
    public static IEnumerable<(MethodInfo Method, bool Grouped)> Instantiations()
    {
        Type[] acts = [typeof(IdentityAct<>), typeof(ReluAct<>), typeof(LeakyReluAct<>), typeof(SigmoidAct<>),
            typeof(TanhAct<>), typeof(SoftplusAct<>), typeof(EluAct<>)];
        foreach (var t in new[] { typeof(float), typeof(double) })
            foreach (var act in acts)
            {
                var closed = act.MakeGenericType(t);
                yield return (typeof(GemmKernels).GetMethod(nameof(GemmKernels.Cpu))!.MakeGenericMethod(t, closed), false);
                yield return (typeof(GemmKernels).GetMethod(nameof(GemmKernels.Gpu))!.MakeGenericMethod(t, closed), true);
                if (t == typeof(float))
                    yield return (typeof(GemmKernels).GetMethod(nameof(GemmKernels.CpuSimd))!.MakeGenericMethod(closed), false);
            }
    }

    /// <summary>
    /// The float GPU body as PTX for sm_90: two 16-byte-aligned shared arrays of 2 stages x 8 x 128 floats (8 KB each, the
    /// double buffer), barriers, quad (v4) loads from shared memory and from global memory, scalar stores into shared
    /// memory (the transposing writes), and no local memory (nothing indexed dynamically spilled by ILGPU).
    /// </summary>
    [Fact]
    public void Gemm_GpuBody_Ptx_double_buffers_shared_memory_with_vector_loads()
    {
        using var ctx = Context.Create(b => b.CPU().EnableAlgorithms().Math(MathMode.Default).Optimize(OptimizationLevel.O1));
        using var backend = new PTXBackend(ctx, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90,
            CudaInstructionSet.ISA_80, null);
        var method = typeof(GemmKernels).GetMethod(nameof(GemmKernels.Gpu))!.MakeGenericMethod(typeof(float), typeof(ReluAct<float>));
        string ptx = ((PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(method), default)).PTXAssembly;
        int stageBytes = 2 * GemmKernels.GpuDepth * GemmKernels.GpuTile * sizeof(float);
        var shared = System.Text.RegularExpressions.Regex.Matches(ptx, @"\.shared \.align (\d+) \.b8 \w+\[(\d+)\]");
        Assert.Equal(2, shared.Count);
        Assert.All(shared, s => Assert.Equal(("16", stageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)), (s.Groups[1].Value, s.Groups[2].Value)));
        Assert.Contains("bar.sync", ptx, StringComparison.Ordinal);
        Assert.Contains("ld.shared.v4.f32", ptx, StringComparison.Ordinal);
        Assert.Contains("st.shared.f32", ptx, StringComparison.Ordinal);
        Assert.Matches(@"ld(\.global)?\.v4\.f32", ptx);
        Assert.DoesNotContain(".local", ptx, StringComparison.Ordinal);
    }

    [Fact]
    public void Gemm_EveryKernel_CompilesForPtxAndOpenCL()
    {
        // EnableAlgorithms as Device does: it supplies T.Exp and friends to the GPU backends.
        using var ctx = Context.Create(b => b.CPU().EnableAlgorithms().Math(MathMode.Default).Optimize(OptimizationLevel.O1));
        // The SIMD CPU body's core is an intrinsic: the GPU backends compile its scalar stand-in.
        CpuIntrinsics.Register(ctx);
        using var ptx = new PTXBackend(ctx, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90,
            CudaInstructionSet.ISA_80, null);
        using var cl = new CLBackend(ctx, new CLCapabilityContext(true, true, true, true, true), CLDeviceVendor.Nvidia,
            new CLCVersion(2, 0));
        var failures = new List<string>();
        foreach (var (method, grouped) in Instantiations())
        {
            var entry = grouped
                ? EntryPointDescription.FromExplicitlyGroupedKernel(method)
                : EntryPointDescription.FromImplicitlyGroupedKernel(method);
            foreach (IlgpuBackend backend in new IlgpuBackend[] { ptx, cl })
            {
                try { backend.Compile(entry, default); }
                catch (Exception e) { failures.Add($"{backend.GetType().Name} {method}: {e.GetBaseException().Message}"); }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}

