using System.Numerics;
using ILGPU;

namespace IlgpuAe.Kernels;

/// <summary>
/// Geometry of one 2-D convolution y = conv(x, W) + b, NCHW, square kernel, one stride and one padding for both axes,
/// dilation 1, groups 1: x [Batch, Channels, Height, Width], W [Filters, Channels·K·K], y [Batch, Filters, OutHeight, OutWidth]
/// with OutHeight = ⌊(Height + 2·Padding − K) / Stride⌋ + 1. A transposed convolution is this convolution run backward
/// (its input is this y, its output this x), so one shape serves both.
/// </summary>
public readonly struct Conv2dShape
{
    /// <summary>Images, input channels, input height and width (of the convolution, i.e. the transposed convolution's output).</summary>
    public readonly int Batch, Channels, Height, Width;
    /// <summary>Output channels of the convolution (the transposed convolution's input channels).</summary>
    public readonly int Filters;
    /// <summary>Kernel size K (K×K), stride and zero padding, the same on both axes.</summary>
    public readonly int Kernel, Stride, Padding;
    /// <summary>Output height and width of the convolution.</summary>
    public readonly int OutHeight, OutWidth;

    /// <summary>The shape of a convolution of x [batch, channels, height, width] with filters [filters, channels, kernel, kernel].</summary>
    public Conv2dShape(int batch, int channels, int height, int width, int filters, int kernel, int stride, int padding)
    {
        Batch = batch; Channels = channels; Height = height; Width = width; Filters = filters;
        Kernel = kernel; Stride = stride; Padding = padding;
        OutHeight = stride > 0 ? (height + 2 * padding - kernel) / stride + 1 : 0;
        OutWidth = stride > 0 ? (width + 2 * padding - kernel) / stride + 1 : 0;
    }

    /// <summary>Rows of the im2col matrix: Channels·K·K, one per (channel, kernel row, kernel column).</summary>
    public int ColRows => Channels * Kernel * Kernel;
    /// <summary>Output pixels per channel, OutHeight·OutWidth.</summary>
    public int OutPlane => OutHeight * OutWidth;
    /// <summary>Input pixels per channel, Height·Width.</summary>
    public int InPlane => Height * Width;
    /// <summary>Columns of the im2col matrix: Batch·OutPlane, one per output position (image-major).</summary>
    public long ColCols => (long)Batch * OutPlane;
    /// <summary>Elements of the im2col matrix [ColRows, ColCols].</summary>
    public long ColLength => ColRows * ColCols;
    /// <summary>Elements of x.</summary>
    public long InputLength => (long)Batch * Channels * InPlane;
    /// <summary>Elements of y.</summary>
    public long OutputLength => (long)Batch * Filters * OutPlane;
    /// <summary>Elements of W.</summary>
    public long WeightLength => (long)Filters * ColRows;
    /// <summary>Multiply-adds of the forward pass (each backward pass does as many).</summary>
    public long Macs => WeightLength * OutPlane * Batch;

    /// <summary>Why the shape cannot run (a size not positive, a kernel larger than the padded input, an im2col matrix past 2³¹ elements), or null when it can.</summary>
    public string? Problem()
    {
        if (Batch <= 0 || Channels <= 0 || Height <= 0 || Width <= 0 || Filters <= 0)
            return $"convolution sizes must be positive: batch {Batch}, channels {Channels}, {Height}x{Width}, filters {Filters}";
        if (Kernel <= 0 || Stride <= 0 || Padding < 0)
            return $"convolution needs kernel >= 1, stride >= 1 and padding >= 0, got kernel {Kernel}, stride {Stride}, padding {Padding}";
        if (Height + 2 * Padding < Kernel || Width + 2 * Padding < Kernel)
            return $"convolution kernel {Kernel} is larger than the padded input {Height + 2 * Padding}x{Width + 2 * Padding}";
        if (ColLength > int.MaxValue)
            return $"convolution im2col matrix of {ColRows}x{ColCols} is too large; use a smaller batch";
        return null;
    }

    /// <summary>e.g. "128x32x14x14 -> 64x7x7 (k4 s2 p1)".</summary>
    public override string ToString() =>
        $"{Batch}x{Channels}x{Height}x{Width} -> {Filters}x{OutHeight}x{OutWidth} (k{Kernel} s{Stride} p{Padding})";
}

/// <summary>
/// The data-movement kernels of convolution; the arithmetic is the GEMM family's. With col = im2col(x) [C·K·K, B·OH·OW],
/// conv2d is y = W·col (then bias and activation while scattering to NCHW), its input gradient is dx = col2im(Wᵀ·dy),
/// its weight gradient dW = dy·colᵀ, and a transposed convolution is the same three GEMMs in the other roles
/// (forward = col2im(Wᵀ·x), backward to the input = W·im2col(dy)). Every kernel walks work units (a row segment, an
/// image plane or a channel) with a <see cref="Loop"/>; the CPU accelerator runs float bodies of the same units
/// (Conv2d.Cpu.cs), the generic kernels run everywhere else and in the double gradient checks.
/// </summary>
public static partial class Conv2dKernels
{
    /// <summary>col[(c·K + ki)·K + kj, b·OH·OW + oh·OW + ow] = x[b, c, oh·S − P + ki, ow·S − P + kj], 0 outside x. Units (row, image): ColRows·Batch.</summary>
    public static void Im2Col<T>(Index1D t, Loop loop, Conv2dShape s, ArrayView<T> x, ArrayView<T> col)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = s.ColRows * s.Batch;
        for (int first = loop.First(t); first < n; first += loop.Step) Im2ColUnits(s, x, col, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>
    /// x[b, c, h, w] = act(Σ_{ki,kj: h = oh·S − P + ki, w = ow·S − P + kj} col[(c·K + ki)·K + kj, b·OH·OW + oh·OW + ow] + bias[c] + beta·x[b, c, h, w]):
    /// the adjoint of <see cref="Im2Col{T}"/> as a gather (each output element sums its own terms, so no atomics and a fixed
    /// order); x is not read when beta == 0; an empty bias means none. Units (image, channel) planes: Batch·Channels.
    /// </summary>
    public static void Col2Im<T, TAct>(Index1D t, Loop loop, Conv2dShape s, ArrayView<T> col, ArrayView<T> x, ArrayView<T> bias, T beta, T actParam)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TAct : struct, IActivation<T>
    {
        int n = s.Batch * s.Channels;
        for (int first = loop.First(t); first < n; first += loop.Step)
            Col2ImUnits<T, TAct>(s, col, x, bias, beta, actParam, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>dst[c, b·P + p] = src[b, c, p] for src [batch, channels, plane]: NCHW to channel-major. Units (image, channel): batch·channels.</summary>
    public static void ToChannelMajor<T>(Index1D t, Loop loop, int batch, int channels, int plane, ArrayView<T> src, ArrayView<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = batch * channels;
        for (int first = loop.First(t); first < n; first += loop.Step)
            ToChannelMajorUnits(batch, channels, plane, src, dst, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>
    /// dst[b, c, p] = act(src[c, b·P + p] + bias[c] + beta·dst[b, c, p]): channel-major to NCHW with the bias and activation
    /// of a convolution fused in (the GEMM's epilogue, but per row of W·col rather than per column); dst is not read when
    /// beta == 0; an empty bias means none. Units (image, channel): batch·channels.
    /// </summary>
    public static void FromChannelMajor<T, TAct>(Index1D t, Loop loop, int batch, int channels, int plane,
        ArrayView<T> src, ArrayView<T> dst, ArrayView<T> bias, T beta, T actParam)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TAct : struct, IActivation<T>
    {
        int n = batch * channels;
        for (int first = loop.First(t); first < n; first += loop.Step)
            FromChannelMajorUnits<T, TAct>(batch, channels, plane, src, dst, bias, beta, actParam, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>dst[c] = beta·dst[c] + Σ_b Σ_p src[b, c, p] (images, then pixels, in ascending order): a convolution's bias gradient. Units: channels.</summary>
    public static void ChannelSums<T>(Index1D t, Loop loop, int batch, int channels, int plane, ArrayView<T> src, ArrayView<T> dst, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int first = loop.First(t); first < channels; first += loop.Step)
            ChannelSumsUnits(batch, channels, plane, src, dst, beta, first, Math.Min(first + loop.Span, channels));
    }

    // The units, shared by the generic kernels and the CPU bodies' scalar twins (what PTX and OpenCL compile in their place).

    /// <summary><see cref="Im2Col{T}"/> for units [u0, u1), unit u = row·Batch + image.</summary>
    public static void Im2ColUnits<T>(in Conv2dShape s, ArrayView<T> x, ArrayView<T> col, int u0, int u1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int kk = s.Kernel * s.Kernel;
        for (int u = u0; u < u1; u++)
        {
            int r = u / s.Batch, b = u - r * s.Batch;
            int c = r / kk, ki = (r - c * kk) / s.Kernel, kj = r % s.Kernel;
            long src = ((long)b * s.Channels + c) * s.InPlane;
            long dst = (long)u * s.OutPlane;
            for (int oh = 0; oh < s.OutHeight; oh++)
            {
                int ih = oh * s.Stride - s.Padding + ki;
                bool rowIn = ih >= 0 && ih < s.Height;
                for (int ow = 0; ow < s.OutWidth; ow++)
                {
                    int iw = ow * s.Stride - s.Padding + kj;
                    col[dst++] = rowIn && iw >= 0 && iw < s.Width ? x[src + (long)ih * s.Width + iw] : T.Zero;
                }
            }
        }
    }

    /// <summary><see cref="Col2Im{T, TAct}"/> for planes [u0, u1), plane u = image·Channels + channel.</summary>
    public static void Col2ImUnits<T, TAct>(in Conv2dShape s, ArrayView<T> col, ArrayView<T> x, ArrayView<T> bias, T beta, T actParam, int u0, int u1)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TAct : struct, IActivation<T>
    {
        long colStride = s.ColCols; // one col row to the next
        for (int u = u0; u < u1; u++)
        {
            int b = u / s.Channels, c = u - b * s.Channels;
            long rowBase = (long)c * s.Kernel * s.Kernel * colStride + (long)b * s.OutPlane;
            T add = bias.Length > 0 ? bias[c] : T.Zero;
            long o = (long)u * s.InPlane;
            for (int h = 0; h < s.Height; h++)
                for (int w = 0; w < s.Width; w++, o++)
                {
                    T acc = T.Zero;
                    for (int ki = 0; ki < s.Kernel; ki++)
                    {
                        int ih = h + s.Padding - ki;
                        if (ih < 0 || ih % s.Stride != 0 || ih / s.Stride >= s.OutHeight) continue;
                        int oh = ih / s.Stride;
                        for (int kj = 0; kj < s.Kernel; kj++)
                        {
                            int iw = w + s.Padding - kj;
                            if (iw < 0 || iw % s.Stride != 0 || iw / s.Stride >= s.OutWidth) continue;
                            acc += col[rowBase + (ki * s.Kernel + kj) * colStride + (long)oh * s.OutWidth + iw / s.Stride];
                        }
                    }
                    T v = acc + add;
                    if (beta != T.Zero) v += beta * x[o];
                    x[o] = TAct.Forward(v, actParam);
                }
        }
    }

    /// <summary><see cref="ToChannelMajor{T}"/> for units [u0, u1), unit u = image·channels + channel.</summary>
    public static void ToChannelMajorUnits<T>(int batch, int channels, int plane, ArrayView<T> src, ArrayView<T> dst, int u0, int u1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int u = u0; u < u1; u++)
        {
            int b = u / channels, c = u - b * channels;
            long from = (long)u * plane, to = ((long)c * batch + b) * plane;
            for (int p = 0; p < plane; p++) dst[to + p] = src[from + p];
        }
    }

    /// <summary><see cref="FromChannelMajor{T, TAct}"/> for units [u0, u1), unit u = image·channels + channel.</summary>
    public static void FromChannelMajorUnits<T, TAct>(int batch, int channels, int plane, ArrayView<T> src, ArrayView<T> dst,
        ArrayView<T> bias, T beta, T actParam, int u0, int u1)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TAct : struct, IActivation<T>
    {
        for (int u = u0; u < u1; u++)
        {
            int b = u / channels, c = u - b * channels;
            long to = (long)u * plane, from = ((long)c * batch + b) * plane;
            T add = bias.Length > 0 ? bias[c] : T.Zero;
            for (int p = 0; p < plane; p++)
            {
                T v = src[from + p] + add;
                if (beta != T.Zero) v += beta * dst[to + p];
                dst[to + p] = TAct.Forward(v, actParam);
            }
        }
    }

    /// <summary><see cref="ChannelSums{T}"/> for channels [c0, c1).</summary>
    public static void ChannelSumsUnits<T>(int batch, int channels, int plane, ArrayView<T> src, ArrayView<T> dst, T beta, int c0, int c1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int c = c0; c < c1; c++)
        {
            T acc = T.Zero;
            for (int b = 0; b < batch; b++)
            {
                long o = ((long)b * channels + c) * plane;
                for (int p = 0; p < plane; p++) acc += src[o + p];
            }
            dst[c] = beta == T.Zero ? acc : beta * dst[c] + acc;
        }
    }
}

/// <summary>
/// Plain double-precision direct convolution (no im2col, no GEMM), written from the definition, so that it checks the
/// kernels' factorisation. Arrays are NCHW; W is [Filters, Channels, K, K] flattened.
/// </summary>
public static class Conv2dReference
{
    /// <summary>y[b, o, oh, ow] = f(bias[o] + Σ_{c,ki,kj} W[o, c, ki, kj]·x[b, c, oh·S − P + ki, ow·S − P + kj]); bias may be null, f null for the identity.</summary>
    public static double[] Forward(Conv2dShape s, double[] x, double[] w, double[]? bias, Func<double, double>? f = null)
    {
        var y = new double[s.OutputLength];
        for (int b = 0; b < s.Batch; b++)
            for (int o = 0; o < s.Filters; o++)
                for (int oh = 0; oh < s.OutHeight; oh++)
                    for (int ow = 0; ow < s.OutWidth; ow++)
                    {
                        double acc = bias?[o] ?? 0;
                        Visit(s, oh, ow, (c, ki, kj, ih, iw) =>
                            acc += w[((o * s.Channels + c) * s.Kernel + ki) * s.Kernel + kj] * x[((b * s.Channels + c) * s.Height + ih) * s.Width + iw]);
                        y[((b * s.Filters + o) * s.OutHeight + oh) * s.OutWidth + ow] = f is null ? acc : f(acc);
                    }
        return y;
    }

    /// <summary>dx = ∂(Σ dy·y)/∂x of the pre-activation convolution: dx[b, c, ih, iw] = Σ dy[b, o, oh, ow]·W[o, c, ki, kj] over the windows covering (ih, iw).</summary>
    public static double[] BackwardInput(Conv2dShape s, double[] dy, double[] w)
    {
        var dx = new double[s.InputLength];
        for (int b = 0; b < s.Batch; b++)
            for (int o = 0; o < s.Filters; o++)
                for (int oh = 0; oh < s.OutHeight; oh++)
                    for (int ow = 0; ow < s.OutWidth; ow++)
                    {
                        double g = dy[((b * s.Filters + o) * s.OutHeight + oh) * s.OutWidth + ow];
                        Visit(s, oh, ow, (c, ki, kj, ih, iw) =>
                            dx[((b * s.Channels + c) * s.Height + ih) * s.Width + iw] += g * w[((o * s.Channels + c) * s.Kernel + ki) * s.Kernel + kj]);
                    }
        return dx;
    }

    /// <summary>dW[o, c, ki, kj] = Σ_{b,oh,ow} dy[b, o, oh, ow]·x[b, c, oh·S − P + ki, ow·S − P + kj].</summary>
    public static double[] BackwardWeights(Conv2dShape s, double[] x, double[] dy)
    {
        var dw = new double[s.WeightLength];
        for (int b = 0; b < s.Batch; b++)
            for (int o = 0; o < s.Filters; o++)
                for (int oh = 0; oh < s.OutHeight; oh++)
                    for (int ow = 0; ow < s.OutWidth; ow++)
                    {
                        double g = dy[((b * s.Filters + o) * s.OutHeight + oh) * s.OutWidth + ow];
                        Visit(s, oh, ow, (c, ki, kj, ih, iw) =>
                            dw[((o * s.Channels + c) * s.Kernel + ki) * s.Kernel + kj] += g * x[((b * s.Channels + c) * s.Height + ih) * s.Width + iw]);
                    }
        return dw;
    }

    /// <summary>db[o] = Σ_{b,oh,ow} dy[b, o, oh, ow].</summary>
    public static double[] BackwardBias(int batch, int channels, int plane, double[] dy)
    {
        var db = new double[channels];
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < channels; c++)
                for (int p = 0; p < plane; p++) db[c] += dy[((long)b * channels + c) * plane + p];
        return db;
    }

    /// <summary>
    /// The transposed convolution of x [Batch, Filters, OutHeight, OutWidth] with W [Filters, Channels, K, K] (PyTorch's
    /// ConvTranspose2d layout [in, out, K, K]): y[b, c, h, w] = f(bias[c] + Σ x[b, o, oh, ow]·W[o, c, ki, kj]), y [Batch, Channels, Height, Width].
    /// By definition the input gradient of the convolution <paramref name="s"/>, written here as a scatter.
    /// </summary>
    public static double[] TransposedForward(Conv2dShape s, double[] x, double[] w, double[]? bias, Func<double, double>? f = null)
    {
        var y = BackwardInput(s, x, w);
        for (int b = 0; b < s.Batch; b++)
            for (int c = 0; c < s.Channels; c++)
                for (int p = 0; p < s.InPlane; p++)
                {
                    long i = ((long)b * s.Channels + c) * s.InPlane + p;
                    double v = y[i] + (bias?[c] ?? 0);
                    y[i] = f is null ? v : f(v);
                }
        return y;
    }

    // Calls visit(c, ki, kj, ih, iw) for every in-bounds tap of output position (oh, ow).
    static void Visit(Conv2dShape s, int oh, int ow, Action<int, int, int, int, int> visit)
    {
        for (int c = 0; c < s.Channels; c++)
            for (int ki = 0; ki < s.Kernel; ki++)
            {
                int ih = oh * s.Stride - s.Padding + ki;
                if (ih < 0 || ih >= s.Height) continue;
                for (int kj = 0; kj < s.Kernel; kj++)
                {
                    int iw = ow * s.Stride - s.Padding + kj;
                    if (iw < 0 || iw >= s.Width) continue;
                    visit(c, ki, kj, ih, iw);
                }
            }
    }
}
