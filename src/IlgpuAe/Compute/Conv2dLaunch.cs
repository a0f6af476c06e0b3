using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using IlgpuAe.Kernels;

namespace IlgpuAe.Compute;

/// <summary>Which bodies a convolution runs: im2col around the CPU accelerator's SIMD GEMM, or the GPUs' tiled implicit GEMM.</summary>
public enum ConvBody
{
    /// <summary>im2col / col2im (float CPU bodies, generic ones for other element types) around the CPU GEMM body.</summary>
    Cpu,
    /// <summary>The shared-memory tiled implicit GEMM (<see cref="Conv2dKernels.GpuConv{T, TAct}"/> and its two siblings), no im2col buffer: CUDA and OpenCL.</summary>
    Gpu,
}

/// <summary>
/// The convolution family's launcher: Conv2d and ConvTranspose2d forward and backward, on the CPU accelerator as im2col /
/// col2im around one GEMM per product (see <see cref="Conv2dKernels"/>), on GPUs as one implicit-GEMM launch per product
/// (see <see cref="BodyFor"/> for why), the one place that picks a body. Every buffer is NCHW and
/// contiguous; the caller passes scratch of the size the matching *Scratch method gives (col [C·K·K, B·OH·OW] and one
/// channel-major copy of the convolution's output side). A gradient view of length 0 means "not wanted"; betas are
/// 0 (overwrite, never read) or 1 (accumulate), as in the graph's backward pass.
/// </summary>
public static class Conv2dLaunch
{
    /// <summary>
    /// The body that suits the device: im2col and the SIMD GEMM on the CPU accelerator, where packed contiguous panels are
    /// what the SIMD core needs and a simulated 256-thread group with barriers costs far more than the copy; the implicit
    /// GEMM on CUDA and OpenCL, where writing and re-reading the im2col matrix (C·K·K times the input) costs more memory
    /// traffic than the gather the tiles stage anyway.
    /// </summary>
    public static ConvBody BodyFor(Device device) => device.IsCpu ? ConvBody.Cpu : ConvBody.Gpu;

    /// <summary>Scratch elements of every pass of either convolution of shape <paramref name="s"/> on the CPU body: col plus one output-sized channel-major buffer.</summary>
    public static long Scratch(in Conv2dShape s) => s.ColLength + s.OutputLength;

    /// <summary>Scratch elements a pass needs on <paramref name="body"/>: <see cref="Scratch(in Conv2dShape)"/> on the CPU body, none on the GPU body (no im2col buffer).</summary>
    public static long Scratch(in Conv2dShape s, ConvBody body) => body == ConvBody.Gpu ? 0 : Scratch(s);

    /// <summary>Throws <see cref="IlgpuAeException"/> when the shape cannot run.</summary>
    public static void Validate(in Conv2dShape s)
    {
        if (s.Problem() is { } why) throw new IlgpuAeException(why);
    }

    /// <summary>y = f(W·im2col(x) + b) into NCHW y [B, Filters, OH, OW]; three launches: im2col, GEMM, bias+activation while reordering to NCHW.</summary>
    public static void Forward<T>(Device d, ConvBody body, in Conv2dShape s, ArrayView<T> x, ArrayView<T> w, ArrayView<T> bias, ArrayView<T> y,
        Activation f, T a, ArrayView<T> scratch) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(s, body, x.Length, w.Length, y.Length, bias.Length, s.Filters, scratch.Length);
        if (body == ConvBody.Gpu)
        {
            Implicit<T>(d, ImplicitRole.Forward, s, w, x, bias, y, T.Zero, f, a);
            return;
        }
        var (col, tmp) = Split(s, scratch);
        Im2Col(d, body, s, x, col);
        Gemm.Run(d, GemmBodyOf(body), false, false, s.Filters, (int)s.ColCols, s.ColRows, T.One, w, col, T.Zero, tmp);
        FromChannelMajor(d, body, s.Batch, s.Filters, s.OutPlane, tmp, y, bias, T.Zero, f, a);
    }

    /// <summary>
    /// Gradients of y = W·im2col(x) + b given dz = ∂L/∂(pre-activation) [B, Filters, OH, OW]:
    /// dW = dZ·colᵀ and db = Σ dz (one launch on the CPU accelerator), dx = col2im(Wᵀ·dZ), dZ the channel-major dz.
    /// </summary>
    public static void Backward<T>(Device d, ConvBody body, in Conv2dShape s, ArrayView<T> x, ArrayView<T> w, ArrayView<T> dz,
        ArrayView<T> dx, T betaX, ArrayView<T> dw, T betaW, ArrayView<T> db, T betaB, ArrayView<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(s, body, x.Length, w.Length, dz.Length, 0, s.Filters, scratch.Length);
        if (body == ConvBody.Gpu)
        {
            if (dw.Length > 0) Implicit<T>(d, ImplicitRole.Weights, s, dz, x, default, dw, betaW, Activation.Identity, T.Zero);
            if (db.Length > 0) ChannelSums(d, body, s.Batch, s.Filters, s.OutPlane, dz, db, betaB);
            if (dx.Length > 0) Implicit<T>(d, ImplicitRole.Transposed, s, w, dz, default, dx, betaX, Activation.Identity, T.Zero);
            return;
        }
        var (col, dZ) = Split(s, scratch);
        ToChannelMajor(d, body, s.Batch, s.Filters, s.OutPlane, dz, dZ);
        bool biasDone = false;
        if (dw.Length > 0)
        {
            Im2Col(d, body, s, x, col);
            // db = Σ_columns dZ rides in the dW launch where the GEMM body can (the row sums of its A operand).
            biasDone = db.Length > 0 && body == ConvBody.Cpu &&
                Gemm.TryRunWithRowSums(d, false, true, s.Filters, s.ColRows, (int)s.ColCols, T.One, dZ, col, betaW, dw, db, betaB);
            if (!biasDone) Gemm.Run(d, GemmBodyOf(body), false, true, s.Filters, s.ColRows, (int)s.ColCols, T.One, dZ, col, betaW, dw);
        }
        if (db.Length > 0 && !biasDone) ChannelSums(d, body, s.Batch, s.Filters, s.OutPlane, dz, db, betaB);
        if (dx.Length > 0)
        {
            Gemm.Run(d, GemmBodyOf(body), true, false, s.ColRows, (int)s.ColCols, s.Filters, T.One, w, dZ, T.Zero, col);
            Col2Im(d, body, s, col, dx, default, betaX, Activation.Identity, T.Zero);
        }
    }

    /// <summary>
    /// The transposed convolution: x [B, Filters, OH, OW] (its input) to y = f(col2im(Wᵀ·X) + b) [B, Channels, H, W], W
    /// [Filters, Channels·K·K] as PyTorch's ConvTranspose2d weight [in, out, K, K], X the channel-major x.
    /// </summary>
    public static void TransposedForward<T>(Device d, ConvBody body, in Conv2dShape s, ArrayView<T> x, ArrayView<T> w, ArrayView<T> bias,
        ArrayView<T> y, Activation f, T a, ArrayView<T> scratch) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(s, body, y.Length, w.Length, x.Length, bias.Length, s.Channels, scratch.Length);
        if (body == ConvBody.Gpu)
        {
            Implicit<T>(d, ImplicitRole.Transposed, s, w, x, bias, y, T.Zero, f, a);
            return;
        }
        var (col, xcm) = Split(s, scratch);
        ToChannelMajor(d, body, s.Batch, s.Filters, s.OutPlane, x, xcm);
        Gemm.Run(d, GemmBodyOf(body), true, false, s.ColRows, (int)s.ColCols, s.Filters, T.One, w, xcm, T.Zero, col);
        Col2Im(d, body, s, col, y, bias, T.Zero, f, a);
    }

    /// <summary>
    /// Gradients of the transposed convolution given dz [B, Channels, H, W] (pre-activation): with col = im2col(dz),
    /// dx = W·col back to NCHW, dW = X·colᵀ, db = Σ dz.
    /// </summary>
    public static void TransposedBackward<T>(Device d, ConvBody body, in Conv2dShape s, ArrayView<T> x, ArrayView<T> w, ArrayView<T> dz,
        ArrayView<T> dx, T betaX, ArrayView<T> dw, T betaW, ArrayView<T> db, T betaB, ArrayView<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(s, body, dz.Length, w.Length, x.Length, 0, s.Channels, scratch.Length);
        if (body == ConvBody.Gpu)
        {
            // The transposed layer's input gradient is the convolution of dz; its weight gradient pairs x (as g) with dz (as the image).
            if (dx.Length > 0) Implicit<T>(d, ImplicitRole.Forward, s, w, dz, default, dx, betaX, Activation.Identity, T.Zero);
            if (dw.Length > 0) Implicit<T>(d, ImplicitRole.Weights, s, x, dz, default, dw, betaW, Activation.Identity, T.Zero);
            if (db.Length > 0) ChannelSums(d, body, s.Batch, s.Channels, s.InPlane, dz, db, betaB);
            return;
        }
        var (col, tmp) = Split(s, scratch);
        if (dx.Length > 0 || dw.Length > 0) Im2Col(d, body, s, dz, col);
        if (dx.Length > 0)
        {
            Gemm.Run(d, GemmBodyOf(body), false, false, s.Filters, (int)s.ColCols, s.ColRows, T.One, w, col, T.Zero, tmp);
            FromChannelMajor(d, body, s.Batch, s.Filters, s.OutPlane, tmp, dx, default, betaX, Activation.Identity, T.Zero);
        }
        if (dw.Length > 0)
        {
            ToChannelMajor(d, body, s.Batch, s.Filters, s.OutPlane, x, tmp);
            Gemm.Run(d, GemmBodyOf(body), false, true, s.Filters, s.ColRows, (int)s.ColCols, T.One, tmp, col, betaW, dw);
        }
        if (db.Length > 0) ChannelSums(d, body, s.Batch, s.Channels, s.InPlane, dz, db, betaB);
    }

    static GemmBody GemmBodyOf(ConvBody body) => body == ConvBody.Cpu ? GemmBody.Cpu : GemmBody.Gpu;

    /// <summary>The three products of the implicit-GEMM body (see <see cref="IConvGemm{T}"/>).</summary>
    public enum ImplicitRole
    {
        /// <summary>out [B, Filters, OH, OW] = f(conv(b, a) + bias + beta·out), a = W, b an image [B, C, H, W].</summary>
        Forward,
        /// <summary>out [B, C, H, W] = f(convT(b, a) + bias + beta·out), a = W, b a feature map [B, Filters, OH, OW].</summary>
        Transposed,
        /// <summary>out [Filters, C·K·K] = beta·out + a ⊗ im2col(b), a [B, Filters, OH, OW], b an image [B, C, H, W].</summary>
        Weights,
    }

    /// <summary>One launch of the GPU implicit-GEMM body in <paramref name="role"/>: grid of 64x64 tiles of the product, groups of 256.</summary>
    public static void Implicit<T>(Device d, ImplicitRole role, in Conv2dShape s, ArrayView<T> a, ArrayView<T> b, ArrayView<T> bias, ArrayView<T> output,
        T beta, Activation f, T actParam) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (m, n) = role switch
        {
            ImplicitRole.Forward => (s.Filters, s.ColCols),
            ImplicitRole.Transposed => (s.Channels, (long)s.Batch * s.InPlane),
            _ => (s.Filters, (long)s.ColRows),
        };
        var config = new KernelConfig(
            new Index2D((int)((n + Conv2dKernels.GpuTileN - 1) / Conv2dKernels.GpuTileN), (m + Conv2dKernels.GpuTileM - 1) / Conv2dKernels.GpuTileM),
            new Index2D(Conv2dKernels.GpuThreads, 1));
        var args = new ConvGpuArgs<T>(s, beta, actParam);
        if (role == ImplicitRole.Weights)
        {
            d.LoadGrouped<ConvGpuArgs<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>>(Conv2dKernels.GpuConvWeights)(config, args, a, b, default, output);
            return;
        }
        ActivationMap.Visit<T, ImplicitLaunch<T>>(f, new(d, role == ImplicitRole.Forward, config, args, a, b, bias, output));
    }

    readonly struct ImplicitLaunch<T>(Device d, bool forward, KernelConfig config, ConvGpuArgs<T> args, ArrayView<T> a, ArrayView<T> b,
        ArrayView<T> bias, ArrayView<T> output) : IActivationVisitor<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Visit<TAct>() where TAct : struct, IActivation<T>
        {
            var kernel = forward
                ? d.LoadGrouped<ConvGpuArgs<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>>(Conv2dKernels.GpuConv<T, TAct>)
                : d.LoadGrouped<ConvGpuArgs<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>>(Conv2dKernels.GpuConvTransposed<T, TAct>);
            kernel(config, args, a, b, bias, output);
        }
    }

    static (ArrayView<T> Col, ArrayView<T> ChannelMajor) Split<T>(in Conv2dShape s, ArrayView<T> scratch) where T : unmanaged =>
        (scratch.SubView(0, s.ColLength), scratch.SubView(s.ColLength, s.OutputLength));

    // inner: the convolution's input side (x of conv2d, y of the transposed one); outer: its output side.
    static void Check(in Conv2dShape s, ConvBody body, long inner, long weight, long outer, long bias, int biasChannels, long scratch)
    {
        Validate(s);
        if (inner != s.InputLength) throw new ArgumentException($"convolution {s}: the image side has {inner} elements, expected {s.InputLength}");
        if (outer != s.OutputLength) throw new ArgumentException($"convolution {s}: the feature side has {outer} elements, expected {s.OutputLength}");
        if (weight != s.WeightLength) throw new ArgumentException($"convolution {s}: the weight has {weight} elements, expected {s.WeightLength}");
        if (bias != 0 && bias != biasChannels) throw new ArgumentException($"convolution {s}: the bias has {bias} elements, expected {biasChannels} (or 0 for none)");
        if (scratch < Scratch(s, body)) throw new ArgumentException($"convolution {s}: scratch of {scratch} elements, needs {Scratch(s, body)}");
    }

    static bool Fast<T>(Device d, ConvBody body) where T : unmanaged, IFloatingPointIeee754<T> =>
        body == ConvBody.Cpu && CpuBody.Applies<T>(d);

    static float F<T>(T v) where T : unmanaged, IFloatingPointIeee754<T> => float.CreateTruncating(v);

    /// <summary>col = im2col(x) [ColRows, ColCols].</summary>
    public static void Im2Col<T>(Device d, ConvBody body, in Conv2dShape s, ArrayView<T> x, ArrayView<T> col)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor((long)s.ColRows * s.Batch);
        if (Fast<T>(d, body))
            d.Load<Loop, Conv2dShape, ArrayView<float>, ArrayView<float>>(Conv2dKernels.CpuIm2Col)(loop.Threads, loop, s, x.Cast<float>(), col.Cast<float>());
        else
            d.Load<Loop, Conv2dShape, ArrayView<T>, ArrayView<T>>(Conv2dKernels.Im2Col)(loop.Threads, loop, s, x, col);
    }

    /// <summary>x = f(col2im(col) + bias + beta·x) [B, Channels, H, W].</summary>
    public static void Col2Im<T>(Device d, ConvBody body, in Conv2dShape s, ArrayView<T> col, ArrayView<T> x, ArrayView<T> bias, T beta, Activation f, T a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor((long)s.Batch * s.Channels);
        if (Fast<T>(d, body))
        {
            d.Load<Loop, Conv2dShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, int>(Conv2dKernels.CpuCol2Im)(
                loop.Threads, loop, s, col.Cast<float>(), x.Cast<float>(), bias.Length > 0 ? bias.Cast<float>() : default, F(beta), F(a), (int)f);
            return;
        }
        Action<Index1D, Loop, Conv2dShape, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T> k = f switch
        {
            Activation.Identity => d.Load<Loop, Conv2dShape, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(Conv2dKernels.Col2Im<T, IdentityAct<T>>),
            Activation.Relu => d.Load<Loop, Conv2dShape, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(Conv2dKernels.Col2Im<T, ReluAct<T>>),
            Activation.LeakyRelu => d.Load<Loop, Conv2dShape, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(Conv2dKernels.Col2Im<T, LeakyReluAct<T>>),
            Activation.Sigmoid => d.Load<Loop, Conv2dShape, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(Conv2dKernels.Col2Im<T, SigmoidAct<T>>),
            Activation.Tanh => d.Load<Loop, Conv2dShape, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(Conv2dKernels.Col2Im<T, TanhAct<T>>),
            Activation.Softplus => d.Load<Loop, Conv2dShape, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(Conv2dKernels.Col2Im<T, SoftplusAct<T>>),
            Activation.Elu => d.Load<Loop, Conv2dShape, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(Conv2dKernels.Col2Im<T, EluAct<T>>),
            _ => throw new ArgumentOutOfRangeException(nameof(f)),
        };
        k(loop.Threads, loop, s, col, x, bias, beta, a);
    }

    /// <summary>dst [channels, batch·plane] = src [batch, channels, plane] reordered.</summary>
    public static void ToChannelMajor<T>(Device d, ConvBody body, int batch, int channels, int plane, ArrayView<T> src, ArrayView<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor((long)batch * channels);
        if (Fast<T>(d, body))
            d.Load<Loop, int, int, int, ArrayView<float>, ArrayView<float>>(Conv2dKernels.CpuToChannelMajor)(
                loop.Threads, loop, batch, channels, plane, src.Cast<float>(), dst.Cast<float>());
        else
            d.Load<Loop, int, int, int, ArrayView<T>, ArrayView<T>>(Conv2dKernels.ToChannelMajor)(loop.Threads, loop, batch, channels, plane, src, dst);
    }

    /// <summary>dst [batch, channels, plane] = f(src [channels, batch·plane] + bias + beta·dst).</summary>
    public static void FromChannelMajor<T>(Device d, ConvBody body, int batch, int channels, int plane, ArrayView<T> src, ArrayView<T> dst,
        ArrayView<T> bias, T beta, Activation f, T a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor((long)batch * channels);
        if (Fast<T>(d, body))
        {
            d.Load<Loop, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, int>(Conv2dKernels.CpuFromChannelMajor)(
                loop.Threads, loop, batch, channels, plane, src.Cast<float>(), dst.Cast<float>(), bias.Length > 0 ? bias.Cast<float>() : default,
                F(beta), F(a), (int)f);
            return;
        }
        Action<Index1D, Loop, int, int, int, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T> k = f switch
        {
            Activation.Identity => d.Load<Loop, int, int, int, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(Conv2dKernels.FromChannelMajor<T, IdentityAct<T>>),
            Activation.Relu => d.Load<Loop, int, int, int, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(Conv2dKernels.FromChannelMajor<T, ReluAct<T>>),
            Activation.LeakyRelu => d.Load<Loop, int, int, int, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(Conv2dKernels.FromChannelMajor<T, LeakyReluAct<T>>),
            Activation.Sigmoid => d.Load<Loop, int, int, int, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(Conv2dKernels.FromChannelMajor<T, SigmoidAct<T>>),
            Activation.Tanh => d.Load<Loop, int, int, int, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(Conv2dKernels.FromChannelMajor<T, TanhAct<T>>),
            Activation.Softplus => d.Load<Loop, int, int, int, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(Conv2dKernels.FromChannelMajor<T, SoftplusAct<T>>),
            Activation.Elu => d.Load<Loop, int, int, int, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(Conv2dKernels.FromChannelMajor<T, EluAct<T>>),
            _ => throw new ArgumentOutOfRangeException(nameof(f)),
        };
        k(loop.Threads, loop, batch, channels, plane, src, dst, bias, beta, a);
    }

    /// <summary>dst[c] = beta·dst[c] + Σ_{b,p} src[b, c, p].</summary>
    public static void ChannelSums<T>(Device d, ConvBody body, int batch, int channels, int plane, ArrayView<T> src, ArrayView<T> dst, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = d.LoopFor(channels);
        if (Fast<T>(d, body))
            d.Load<Loop, int, int, int, ArrayView<float>, ArrayView<float>, float>(Conv2dKernels.CpuChannelSums)(
                loop.Threads, loop, batch, channels, plane, src.Cast<float>(), dst.Cast<float>(), F(beta));
        else
            d.Load<Loop, int, int, int, ArrayView<T>, ArrayView<T>, T>(Conv2dKernels.ChannelSums)(loop.Threads, loop, batch, channels, plane, src, dst, beta);
    }
}
