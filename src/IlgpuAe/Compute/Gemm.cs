using System.Numerics;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using IlgpuAe.Kernels;

namespace IlgpuAe.Compute;

/// <summary>Which GEMM kernel body runs: the coarse CPU one or the shared-memory tiled GPU one.</summary>
public enum GemmBody
{
    /// <summary>Blocks of 4 rows per thread in 4x4 register tiles, no shared memory: ILGPU's CPU accelerator.</summary>
    Cpu,
    /// <summary>128x128 tiles per group of 256 threads, 8x8 per thread, double-buffered in shared memory: CUDA and OpenCL.</summary>
    Gpu,
}

/// <summary>Launches the GEMM kernels: argument checks, body choice, activation dispatch.</summary>
public static class Gemm
{
    /// <summary>C = act(alpha·op(A)·op(B) + beta·C + bias); row-major contiguous; lengths checked (ArgumentException naming the mismatch).</summary>
    public static void Run<T>(Device device, bool transA, bool transB, int m, int n, int k,
        T alpha, ArrayView<T> a, ArrayView<T> b, T beta, ArrayView<T> c,
        ArrayView<T> bias = default, Activation activation = Activation.Identity, T activationParam = default)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Run(device, BodyFor(device), transA, transB, m, n, k, alpha, a, b, beta, c, bias, activation, activationParam);

    /// <summary>The body that suits the device: coarse and barrier-free on the CPU accelerator, tiled elsewhere.</summary>
    public static GemmBody BodyFor(Device device) => device.IsCpu ? GemmBody.Cpu : GemmBody.Gpu;

    /// <summary>As <see cref="Run{T}(Device, bool, bool, int, int, int, T, ArrayView{T}, ArrayView{T}, T, ArrayView{T}, ArrayView{T}, Activation, T)"/>, with the body named (tests run the GPU body on the CPU accelerator).</summary>
    public static void Run<T>(Device device, GemmBody body, bool transA, bool transB, int m, int n, int k,
        T alpha, ArrayView<T> a, ArrayView<T> b, T beta, ArrayView<T> c,
        ArrayView<T> bias = default, Activation activation = Activation.Identity, T activationParam = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(device);
        Check(transA, transB, m, n, k, a.Length, b.Length, c.Length, bias.Length);
        if (m == 0 || n == 0) return;
        var s = new GemmShape<T>(transA, transB, m, n, k, alpha, beta, activationParam);
        if (body == GemmBody.Cpu && typeof(T) == typeof(float) && device.IsCpu)
        {
            // On the CPU accelerator the float CPU body has a .NET SIMD core (GemmKernels.SimdBlock), several
            // times the scalar body. Elsewhere that core would need CpuIntrinsics.Register first.
            RunSimd(device, Unsafe.As<GemmShape<T>, GemmShape<float>>(ref s), a.Cast<float>(), b.Cast<float>(),
                c.Cast<float>(), bias.Length == 0 ? default : bias.Cast<float>(), activation);
            return;
        }
        ActivationMap.Visit<T, GenericLaunch<T>>(activation, new(device, body, s, a, b, c, bias));
    }

    /// <summary>
    /// As <see cref="Run{T}(Device, bool, bool, int, int, int, T, ArrayView{T}, ArrayView{T}, T, ArrayView{T}, ArrayView{T}, Activation, T)"/>
    /// (no bias or activation) and, in the same launch, rowSums[i] = rowSumsBeta·rowSums[i] + Σ_p op(A)[i,p] (alpha not applied):
    /// a Linear layer's dW = dzᵀ·x and db = Σ_rows dz at once. Only the float SIMD body of the CPU accelerator does this;
    /// elsewhere nothing is launched and the result is false (the caller sums separately).
    /// </summary>
    public static bool TryRunWithRowSums<T>(Device device, bool transA, bool transB, int m, int n, int k,
        T alpha, ArrayView<T> a, ArrayView<T> b, T beta, ArrayView<T> c, ArrayView<T> rowSums, T rowSumsBeta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(device);
        if (!(device.IsCpu && typeof(T) == typeof(float))) return false;
        Check(transA, transB, m, n, k, a.Length, b.Length, c.Length, 0);
        if (rowSums.Length != m)
            throw new ArgumentException($"GEMM row sums have {rowSums.Length} elements, expected m={m}", nameof(rowSums));
        if (m == 0) return true;
        if (n == 0) return false; // no block runs to carry the sums
        var s = new GemmShape<T>(transA, transB, m, n, k, alpha, beta, T.Zero);
        LaunchSimd<IdentityAct<float>>(device, Unsafe.As<GemmShape<T>, GemmShape<float>>(ref s), a.Cast<float>(), b.Cast<float>(),
            c.Cast<float>(), default, Activation.Identity, rowSums.Cast<float>(), float.CreateTruncating(rowSumsBeta));
        return true;
    }

    /// <summary>Throws an ArgumentException naming the first length that does not match the shape.</summary>
    static void Check(bool transA, bool transB, int m, int n, int k, long aLength, long bLength, long cLength, long biasLength)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentException($"GEMM sizes must not be negative: m={m}, n={n}, k={k}");
        string aShape = transA ? $"[k={k}, m={m}] (transposed)" : $"[m={m}, k={k}]";
        string bShape = transB ? $"[n={n}, k={k}] (transposed)" : $"[k={k}, n={n}]";
        if (aLength != (long)m * k)
            throw new ArgumentException($"GEMM operand A has {aLength} elements, expected {(long)m * k} for {aShape}", "a");
        if (bLength != (long)k * n)
            throw new ArgumentException($"GEMM operand B has {bLength} elements, expected {(long)k * n} for {bShape}", "b");
        if (cLength != (long)m * n)
            throw new ArgumentException($"GEMM output C has {cLength} elements, expected {(long)m * n} for [m={m}, n={n}]", "c");
        if (biasLength != 0 && biasLength != n)
            throw new ArgumentException($"GEMM bias has {biasLength} elements, expected n={n} (or 0 for none)", "bias");
    }

    static void RunSimd(Device device, GemmShape<float> s, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        ArrayView<float> bias, Activation activation) =>
        ActivationMap.Visit<float, SimdLaunch>(activation, new(device, s, a, b, c, bias, activation));

    readonly struct SimdLaunch(Device device, GemmShape<float> s, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        ArrayView<float> bias, Activation activation) : IActivationVisitor<float>
    {
        public void Visit<TAct>() where TAct : struct, IActivation<float> =>
            LaunchSimd<TAct>(device, s, a, b, c, bias, activation, default, 0f);
    }

    readonly struct GenericLaunch<T>(Device device, GemmBody body, GemmShape<T> s, ArrayView<T> a, ArrayView<T> b, ArrayView<T> c,
        ArrayView<T> bias) : IActivationVisitor<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Visit<TAct>() where TAct : struct, IActivation<T> => Launch<T, TAct>(device, body, s, a, b, c, bias);
    }

    static void LaunchSimd<TAct>(Device device, GemmShape<float> s,
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, Activation activation,
        ArrayView<float> rowSums, float rowSumsBeta)
        where TAct : struct, IActivation<float>
    {
        int workers = device.Workers;
        int rowUnits = (s.M + GemmKernels.SimdRowUnit - 1) / GemmKernels.SimdRowUnit;
        int panels = (s.N + GemmKernels.SimdPanel - 1) / GemmKernels.SimdPanel;
        // Row bands make each thread pack all of op(B) plus its rows of op(A): k·(n + m/W) floats; column
        // groups all of op(A) plus its columns of op(B): k·(m + n/W). The second is less when m < n
        // (a training batch of 128 against 400 outputs); it needs a few panels per thread to balance.
        int colGroups = s.M < s.N && panels >= 2 * workers ? workers : 1;
        var loop = Loop.Chunked((long)rowUnits * colGroups, workers);
        // −1 skips the epilogue when there is neither bias nor activation (ILGPU cannot compare types in a kernel).
        int epilogue = bias.Length > 0 || activation != Activation.Identity ? (int)activation : -1;
        device.Load<Loop, GemmShape<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, ArrayView<float>, float>(
            GemmKernels.CpuSimd<TAct>)(loop.Threads, loop, s, a, b, c, bias, epilogue, colGroups, rowSums, rowSumsBeta);
    }

    /// <summary>
    /// The operands the GPU body may read 4 at a time in one aligned vector load: those whose staged direction (the smaller
    /// stride, as the kernel picks it) has stride 1, whose other stride is a multiple of 4, and whose first element sits on
    /// a 4-element boundary in memory. Then every quad the kernel reads whole starts on one, since tiles start at multiples
    /// of 4 along both dimensions.
    /// </summary>
    public static int QuadsOf<T>(in GemmShape<T> s, ArrayView<T> a, ArrayView<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int quads = 0;
        if (Quadable(Math.Min(s.AStrideK, s.AStrideRow), Math.Max(s.AStrideK, s.AStrideRow), a)) quads |= GemmKernels.QuadsA;
        if (Quadable(Math.Min(s.BStrideK, s.BStrideCol), Math.Max(s.BStrideK, s.BStrideCol), b)) quads |= GemmKernels.QuadsB;
        return quads;
    }

    static bool Quadable<T>(int step, int lead, ArrayView<T> x) where T : unmanaged
    {
        if (step != 1 || lead % 4 != 0 || !x.IsValid || x.Length == 0) return false;
        long quadBytes = 4L * Unsafe.SizeOf<T>();
        long index = ((IContiguousArrayView)x).IndexInBytes;
        long address = ((IArrayView)x).Buffer.NativePtr.ToInt64() + index;
        // Both: the vector load needs the address aligned, and ArrayView.Cast run on the CPU accelerator rounds the view's
        // index within its buffer down to whole quads, so the index must be whole quads too for it to read the same data.
        return address % quadBytes == 0 && index % quadBytes == 0;
    }

    static void Launch<T, TAct>(Device device, GemmBody body, GemmShape<T> s,
        ArrayView<T> a, ArrayView<T> b, ArrayView<T> c, ArrayView<T> bias)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TAct : struct, IActivation<T>
    {
        if (body == GemmBody.Gpu)
        {
            s = s.WithQuads(QuadsOf(s, a, b));
            var grid = new Index2D((s.N + GemmKernels.GpuTile - 1) / GemmKernels.GpuTile,
                (s.M + GemmKernels.GpuTile - 1) / GemmKernels.GpuTile);
            device.LoadGrouped<GemmShape<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>>(GemmKernels.Gpu<T, TAct>)(
                new KernelConfig(grid, new Index2D(GemmKernels.GpuThreads, 1)), s, a, b, c, bias);
            return;
        }
        var loop = Loop.Chunked((s.M + 3) / 4, device.Workers);
        device.Load<Loop, GemmShape<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>>(GemmKernels.Cpu<T, TAct>)(
            loop.Threads, loop, s, a, b, c, bias);
    }
}
