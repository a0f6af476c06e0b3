using System.Runtime.CompilerServices;
using ILGPU.Runtime;

namespace IlgpuAe.Kernels;

/// <summary>What the GPU convolution bodies take beside their buffers: the shape, beta (0: overwrite, 1: accumulate) and the activation's parameter.</summary>
public struct ConvGpuArgs<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The convolution (for a transposed one, the convolution it transposes).</summary>
    public Conv2dShape Shape;
    /// <summary>out = f(… + beta·out): 0 never reads the output.</summary>
    public T Beta;
    /// <summary>The activation's parameter (LeakyReLU slope, ELU alpha).</summary>
    public T ActParam;

    /// <summary>The arguments of one launch.</summary>
    public ConvGpuArgs(Conv2dShape shape, T beta, T actParam)
    {
        Shape = shape;
        Beta = beta;
        ActParam = actParam;
    }
}

/// <summary>What a thread keeps of the one column of the B tile it stages: three integers its role decodes once.</summary>
public struct ConvColumn
{
    /// <summary>Role-defined: an image and an input row/column origin, or a channel and a kernel offset.</summary>
    public int U, V, W;
}

/// <summary>
/// One convolution product as an implicit GEMM out[m, n] = Σ_k A(m, k)·B(k, n): the role says what M, N and K count and
/// reads A and B straight from the NCHW tensors (B is the im2col matrix, or its transpose, never stored), and where
/// out[m, n] lives. Only called for m &lt; M, n &lt; N, k &lt; K.
/// </summary>
public interface IConvGemm<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Rows of the product.</summary>
    static abstract int M(Conv2dShape s);
    /// <summary>Columns of the product.</summary>
    static abstract int N(Conv2dShape s);
    /// <summary>Depth of the product.</summary>
    static abstract int K(Conv2dShape s);
    /// <summary>A(m, k) from the first operand.</summary>
    static abstract T A(Conv2dShape s, ArrayView<T> a, int m, int k);
    /// <summary>Column n decoded once, for <see cref="B"/>.</summary>
    static abstract ConvColumn Column(Conv2dShape s, int n);
    /// <summary>B(k, n) from the second operand, zero where the window leaves the image.</summary>
    static abstract T B(Conv2dShape s, ArrayView<T> b, ConvColumn n, int k);
    /// <summary>Where out[m, n] is.</summary>
    static abstract long Out(Conv2dShape s, int m, int n);
}

/// <summary>
/// The convolution y[b, o, p] = Σ_r W[o, r]·im2col(x)[r, (b, p)]: M = Filters, N = Batch·OH·OW, K = Channels·K·K; A = W, B gathered from x
/// [B, C, H, W]; out NCHW [B, Filters, OH, OW]. Also the transposed convolution's input gradient (x its dz).
/// </summary>
public struct ConvForwardGemm<T> : IConvGemm<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static int M(Conv2dShape s) => s.Filters;
    /// <inheritdoc/>
    public static int N(Conv2dShape s) => s.Batch * s.OutPlane;
    /// <inheritdoc/>
    public static int K(Conv2dShape s) => s.ColRows;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T A(Conv2dShape s, ArrayView<T> a, int m, int k) => a[(long)m * s.ColRows + k];

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ConvColumn Column(Conv2dShape s, int n)
    {
        int b = n / s.OutPlane, p = n - b * s.OutPlane, oh = p / s.OutWidth;
        return new ConvColumn { U = b, V = oh * s.Stride - s.Padding, W = (p - oh * s.OutWidth) * s.Stride - s.Padding };
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T B(Conv2dShape s, ArrayView<T> b, ConvColumn n, int k)
    {
        int kk = s.Kernel * s.Kernel, c = k / kk, rem = k - c * kk, ki = rem / s.Kernel;
        int ih = n.V + ki, iw = n.W + rem - ki * s.Kernel;
        return ih >= 0 && ih < s.Height && iw >= 0 && iw < s.Width
            ? b[(((long)n.U * s.Channels + c) * s.Height + ih) * s.Width + iw] : T.Zero;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Out(Conv2dShape s, int m, int n)
    {
        int b = n / s.OutPlane;
        return ((long)b * s.Filters + m) * s.OutPlane + (n - b * s.OutPlane);
    }
}

/// <summary>
/// The transposed convolution x[b, c, h, w] = Σ_{o,ki,kj} W[o, c, ki, kj]·y[b, o, (h + P − ki)/S, (w + P − kj)/S] over the terms whose
/// division is exact and in range: M = Channels, N = Batch·H·W, K = Filters·K·K; A = W read as [Channels, Filters·K·K], B gathered
/// from y [B, Filters, OH, OW]; out NCHW [B, Channels, H, W]. Also the convolution's input gradient (y its dz).
/// </summary>
public struct ConvTransposedGemm<T> : IConvGemm<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static int M(Conv2dShape s) => s.Channels;
    /// <inheritdoc/>
    public static int N(Conv2dShape s) => s.Batch * s.InPlane;
    /// <inheritdoc/>
    public static int K(Conv2dShape s) => s.Filters * s.Kernel * s.Kernel;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T A(Conv2dShape s, ArrayView<T> a, int m, int k)
    {
        int kk = s.Kernel * s.Kernel, o = k / kk;
        return a[(long)o * s.ColRows + m * kk + (k - o * kk)];
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ConvColumn Column(Conv2dShape s, int n)
    {
        int b = n / s.InPlane, p = n - b * s.InPlane, h = p / s.Width;
        return new ConvColumn { U = b, V = h + s.Padding, W = p - h * s.Width + s.Padding };
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T B(Conv2dShape s, ArrayView<T> b, ConvColumn n, int k)
    {
        int kk = s.Kernel * s.Kernel, o = k / kk, rem = k - o * kk, ki = rem / s.Kernel;
        int th = n.V - ki, tw = n.W - (rem - ki * s.Kernel);
        if (th < 0 || tw < 0) return T.Zero;
        int oh = th / s.Stride, ow = tw / s.Stride;
        return oh * s.Stride == th && ow * s.Stride == tw && oh < s.OutHeight && ow < s.OutWidth
            ? b[(((long)n.U * s.Filters + o) * s.OutHeight + oh) * s.OutWidth + ow] : T.Zero;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Out(Conv2dShape s, int m, int n)
    {
        int b = n / s.InPlane;
        return ((long)b * s.Channels + m) * s.InPlane + (n - b * s.InPlane);
    }
}

/// <summary>
/// A weight gradient dW[o, r] = Σ_{b,p} g[b, o, p]·im2col(x)[r, (b, p)]: M = Filters, N = Channels·K·K, K = Batch·OH·OW; A = g [B, Filters,
/// OH, OW] (the convolution's dz, or the transposed convolution's input), B gathered from x [B, C, H, W] (the convolution's input, or
/// the transposed convolution's dz); out [Filters, Channels·K·K].
/// </summary>
public struct ConvWeightGemm<T> : IConvGemm<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static int M(Conv2dShape s) => s.Filters;
    /// <inheritdoc/>
    public static int N(Conv2dShape s) => s.ColRows;
    /// <inheritdoc/>
    public static int K(Conv2dShape s) => s.Batch * s.OutPlane;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T A(Conv2dShape s, ArrayView<T> a, int m, int k)
    {
        int b = k / s.OutPlane;
        return a[((long)b * s.Filters + m) * s.OutPlane + (k - b * s.OutPlane)];
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ConvColumn Column(Conv2dShape s, int n)
    {
        int kk = s.Kernel * s.Kernel, c = n / kk, rem = n - c * kk, ki = rem / s.Kernel;
        return new ConvColumn { U = c, V = ki - s.Padding, W = rem - ki * s.Kernel - s.Padding };
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T B(Conv2dShape s, ArrayView<T> b, ConvColumn n, int k)
    {
        int img = k / s.OutPlane, p = k - img * s.OutPlane, oh = p / s.OutWidth;
        int ih = oh * s.Stride + n.V, iw = (p - oh * s.OutWidth) * s.Stride + n.W;
        return ih >= 0 && ih < s.Height && iw >= 0 && iw < s.Width
            ? b[(((long)img * s.Channels + n.U) * s.Height + ih) * s.Width + iw] : T.Zero;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Out(Conv2dShape s, int m, int n) => (long)m * s.ColRows + n;
}

public static partial class Conv2dKernels
{
    /// <summary>Rows (M) of the product per group of the GPU bodies.</summary>
    public const int GpuTileM = 64;
    /// <summary>Columns (N) of the product per group.</summary>
    public const int GpuTileN = 64;
    /// <summary>Depth of the k-slices staged in shared memory.</summary>
    public const int GpuDepth = 16;
    /// <summary>Threads per group: 16x16, each owning 4x4 outputs.</summary>
    public const int GpuThreads = 256;
    // The A tile is stored k-major with one element of padding per k row, so that the 16 threads that stage one row of A
    // (16 consecutive k) write 16 different banks.
    const int APitch = GpuTileM + 1;

    // Why an implicit GEMM on GPUs and im2col on the CPU accelerator: on a GPU the im2col matrix is C·K·K times the input
    // (16x at k4, 100+ MB at the default architecture's batch of 1024) and its write and re-read cost more memory traffic
    // than the gather the tile staging does anyway; on the CPU accelerator the SIMD GEMM core wants packed contiguous
    // panels, which im2col gives it, and a simulated group of 256 threads with barriers costs far more than the copy.
    // Why 64x64x16 (smaller than the GEMM body's 128x128x8): the convolutions' M is a channel count (32, 64, 1 for the
    // last decoder layer), so a 128-row tile would mostly compute padding; 16 accumulators a thread leave room for the
    // index arithmetic of the gather. One stage (two barriers a slice), no vector loads: the gather has no alignment to
    // offer. Whether double buffering or split-K (the weight gradient's K is Batch·OH·OW, its M·N small) pays is for a
    // measurement on a GPU to say.

    /// <summary>
    /// GPU body, explicitly grouped: grid (ceil(Batch·OH·OW/64), ceil(Filters/64)), groups of 256.
    /// y[b, o, oh, ow] = f(bias[o] + beta·y + Σ_{c,ki,kj} W[o, c, ki, kj]·x[b, c, oh·S − P + ki, ow·S − P + kj]) (an empty bias: none).
    /// </summary>
    [GroupedKernel]
    public static void GpuConv<T, TAct>(ConvGpuArgs<T> args, ArrayView<T> w, ArrayView<T> x, ArrayView<T> bias, ArrayView<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TAct : struct, IActivation<T> =>
        Tiled<T, TAct, ConvForwardGemm<T>>(args, w, x, bias, y);

    /// <summary>
    /// GPU body, explicitly grouped: grid (ceil(Batch·H·W/64), ceil(Channels/64)), groups of 256. The transposed convolution of
    /// x [B, Filters, OH, OW]: y[b, c, h, w] = f(bias[c] + beta·y + Σ_{o,ki,kj} W[o, c, ki, kj]·x[b, o, (h + P − ki)/S, (w + P − kj)/S]),
    /// the sum over exact, in-range divisions; with an empty bias, identity f and x = dz it is the convolution's input gradient.
    /// </summary>
    [GroupedKernel]
    public static void GpuConvTransposed<T, TAct>(ConvGpuArgs<T> args, ArrayView<T> w, ArrayView<T> x, ArrayView<T> bias, ArrayView<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TAct : struct, IActivation<T> =>
        Tiled<T, TAct, ConvTransposedGemm<T>>(args, w, x, bias, y);

    /// <summary>
    /// GPU body, explicitly grouped: grid (ceil(Channels·K·K/64), ceil(Filters/64)), groups of 256.
    /// dW[o, c, ki, kj] = beta·dW + Σ_{b,oh,ow} g[b, o, oh, ow]·x[b, c, oh·S − P + ki, ow·S − P + kj] (the bias view is unused and empty).
    /// </summary>
    [GroupedKernel]
    public static void GpuConvWeights<T>(ConvGpuArgs<T> args, ArrayView<T> g, ArrayView<T> x, ArrayView<T> unused, ArrayView<T> dw)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Tiled<T, IdentityAct<T>, ConvWeightGemm<T>>(args, g, x, unused, dw);

    /// <summary>
    /// out[m, n] = f(Σ_k A(m, k)·B(k, n) + bias[m] + beta·out[m, n]) for one 64x64 tile: slices of 64 x 16 of A and 16 x 64 of B are staged
    /// k-major in shared memory straight from the tensors (B never exists in memory), then each thread multiplies its rows
    /// {ty, ty+16, ty+32, ty+48} by its columns {tx, tx+16, ...}. Strided ownership keeps both the shared-memory reads and the
    /// output writes of a warp's 16 consecutive tx on consecutive addresses.
    /// </summary>
    static void Tiled<T, TAct, TGemm>(ConvGpuArgs<T> args, ArrayView<T> a, ArrayView<T> b, ArrayView<T> bias, ArrayView<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TAct : struct, IActivation<T>
        where TGemm : struct, IConvGemm<T>
    {
        ArrayView<T> sa = SharedMemory.Allocate1D<T>(GpuDepth * APitch);      // [k][m]
        ArrayView<T> sb = SharedMemory.Allocate1D<T>(GpuDepth * GpuTileN);    // [k][n]
        var s = args.Shape;
        int m = TGemm.M(s), n = TGemm.N(s), depth = TGemm.K(s);
        int tid = Group.IdxX, tx = tid % 16, ty = tid / 16;
        int m0 = Grid.IdxY * GpuTileM, n0 = Grid.IdxX * GpuTileN;

        // Staging: a thread reads A at one k (tid % 16) for 4 rows, B at one column (tid % 64) for 4 k: consecutive threads
        // read consecutive k of a W row, or consecutive output positions of B's gather.
        int aK = tid % GpuDepth, aRow = tid / GpuDepth;
        int bCol = tid % GpuTileN, bK = tid / GpuTileN;
        int gn = n0 + bCol;
        bool colIn = gn < n;
        var column = colIn ? TGemm.Column(s, gn) : default;

        var r0 = default(Quad<T>); var r1 = default(Quad<T>); var r2 = default(Quad<T>); var r3 = default(Quad<T>);
        for (int k0 = 0; k0 < depth; k0 += GpuDepth)
        {
            int ka = k0 + aK;
            for (int q = 0; q < 4; q++)
            {
                int row = aRow + 16 * q, gm = m0 + row;
                sa[aK * APitch + row] = gm < m && ka < depth ? TGemm.A(s, a, gm, ka) : T.Zero;
                int kb = bK + 4 * q;
                sb[kb * GpuTileN + bCol] = colIn && k0 + kb < depth ? TGemm.B(s, b, column, k0 + kb) : T.Zero;
            }
            Group.Barrier();
            for (int kk = 0; kk < GpuDepth; kk++)
            {
                int at = kk * APitch + ty, bt = kk * GpuTileN + tx;
                Quad<T> y;
                y.X = sb[bt]; y.Y = sb[bt + 16]; y.Z = sb[bt + 32]; y.W = sb[bt + 48];
                r0 = Fma(r0, sa[at], y);
                r1 = Fma(r1, sa[at + 16], y);
                r2 = Fma(r2, sa[at + 32], y);
                r3 = Fma(r3, sa[at + 48], y);
            }
            Group.Barrier();
        }
        StoreRow<T, TAct, TGemm>(args, bias, output, m, n, m0 + ty, n0 + tx, r0);
        StoreRow<T, TAct, TGemm>(args, bias, output, m, n, m0 + ty + 16, n0 + tx, r1);
        StoreRow<T, TAct, TGemm>(args, bias, output, m, n, m0 + ty + 32, n0 + tx, r2);
        StoreRow<T, TAct, TGemm>(args, bias, output, m, n, m0 + ty + 48, n0 + tx, r3);
    }

    /// <summary>r + x·y: one row's 4 multiply-adds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Quad<T> Fma<T>(Quad<T> r, T x, Quad<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        r.X += x * y.X; r.Y += x * y.Y; r.Z += x * y.Z; r.W += x * y.W;
        return r;
    }

    /// <summary>Row <paramref name="row"/>'s 4 accumulators (columns col, col+16, col+32, col+48) through the epilogue.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreRow<T, TAct, TGemm>(ConvGpuArgs<T> args, ArrayView<T> bias, ArrayView<T> output, int m, int n, int row, int col, Quad<T> r)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TAct : struct, IActivation<T>
        where TGemm : struct, IConvGemm<T>
    {
        if (row >= m) return;
        T add = bias.Length > 0 ? bias[row] : T.Zero;
        Store<T, TAct, TGemm>(args, output, row, col, n, r.X + add);
        Store<T, TAct, TGemm>(args, output, row, col + 16, n, r.Y + add);
        Store<T, TAct, TGemm>(args, output, row, col + 32, n, r.Z + add);
        Store<T, TAct, TGemm>(args, output, row, col + 48, n, r.W + add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store<T, TAct, TGemm>(ConvGpuArgs<T> args, ArrayView<T> output, int row, int col, int n, T v)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TAct : struct, IActivation<T>
        where TGemm : struct, IConvGemm<T>
    {
        if (col >= n) return;
        long at = TGemm.Out(args.Shape, row, col);
        if (args.Beta != T.Zero) v += args.Beta * output[at];
        output[at] = TAct.Forward(v, args.ActParam);
    }
}
