using System.Numerics;
using System.Reflection;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.IR;
using ILGPU.IR.Intrinsics;

namespace IlgpuAe.Kernels;

// The CPU accelerator's float bodies of the convolution data-movement kernels. Why im2col on the CPU: the SIMD GEMM
// core (GemmCpuSimd.cs) runs at 150+ GFLOP/s once its operands are dense matrices, while a direct convolution loop on
// ILGPU's CPU accelerator runs element by element (a few GFLOP/s). Gathering the windows into col [C·K·K, B·OH·OW]
// costs one pass over K·K/S² copies of the input, far less than the GEMM it feeds, and makes every convolution (and
// both of its gradients, and the transposed convolution) one large GEMM launch with K = C·K·K or B·OH·OW.
// Each kernel hands its units to an [IntrinsicImplementation] helper whose .NET body uses pointers; PTX and OpenCL are
// redirected to the scalar twins (RegisterIntrinsics), which run the generic units, so the kernels still compile there.
public static partial class Conv2dKernels
{
    /// <summary>CPU body of <see cref="Im2Col{T}"/>: the same units, runs copied with pointers.</summary>
    public static void CpuIm2Col(Index1D t, Loop loop, Conv2dShape s, ArrayView<float> x, ArrayView<float> col)
    {
        int n = s.ColRows * s.Batch;
        for (int first = loop.First(t); first < n; first += loop.Step) Im2ColRun(s, x, col, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>CPU body of <see cref="Col2Im{T, TAct}"/>, f the <see cref="Activation"/> numbered <paramref name="activation"/>; the same order of additions, so the same bits.</summary>
    public static void CpuCol2Im(Index1D t, Loop loop, Conv2dShape s, ArrayView<float> col, ArrayView<float> x, ArrayView<float> bias,
        float beta, float actParam, int activation)
    {
        int n = s.Batch * s.Channels;
        for (int first = loop.First(t); first < n; first += loop.Step)
            Col2ImRun(s, col, x, bias, beta, actParam, activation, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>CPU body of <see cref="ToChannelMajor{T}"/>.</summary>
    public static void CpuToChannelMajor(Index1D t, Loop loop, int batch, int channels, int plane, ArrayView<float> src, ArrayView<float> dst)
    {
        int n = batch * channels;
        for (int first = loop.First(t); first < n; first += loop.Step)
            ToChannelMajorRun(batch, channels, plane, src, dst, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>CPU body of <see cref="FromChannelMajor{T, TAct}"/>, f numbered <paramref name="activation"/>.</summary>
    public static void CpuFromChannelMajor(Index1D t, Loop loop, int batch, int channels, int plane, ArrayView<float> src, ArrayView<float> dst,
        ArrayView<float> bias, float beta, float actParam, int activation)
    {
        int n = batch * channels;
        for (int first = loop.First(t); first < n; first += loop.Step)
            FromChannelMajorRun(batch, channels, plane, src, dst, bias, beta, actParam, activation, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>CPU body of <see cref="ChannelSums{T}"/>; the same order of additions, so the same bits.</summary>
    public static void CpuChannelSums(Index1D t, Loop loop, int batch, int channels, int plane, ArrayView<float> src, ArrayView<float> dst, float beta)
    {
        for (int first = loop.First(t); first < channels; first += loop.Step)
            ChannelSumsRun(batch, channels, plane, src, dst, beta, first, Math.Min(first + loop.Span, channels));
    }

    // The helpers: [IntrinsicImplementation] makes ILGPU's CPU accelerator call the .NET body as it is.

    /// <summary>Units [u0, u1) of <see cref="Im2Col{T}"/>.</summary>
    [IntrinsicImplementation]
    public static void Im2ColRun(Conv2dShape s, ArrayView<float> x, ArrayView<float> col, int u0, int u1) => Conv2dCpu.Im2Col(s, x, col, u0, u1);

    /// <summary>Planes [u0, u1) of <see cref="Col2Im{T, TAct}"/>.</summary>
    [IntrinsicImplementation]
    public static void Col2ImRun(Conv2dShape s, ArrayView<float> col, ArrayView<float> x, ArrayView<float> bias, float beta, float actParam,
        int activation, int u0, int u1) => Conv2dCpu.Col2Im(s, col, x, bias, beta, actParam, activation, u0, u1);

    /// <summary>Units [u0, u1) of <see cref="ToChannelMajor{T}"/>.</summary>
    [IntrinsicImplementation]
    public static void ToChannelMajorRun(int batch, int channels, int plane, ArrayView<float> src, ArrayView<float> dst, int u0, int u1) =>
        Conv2dCpu.ToChannelMajor(batch, channels, plane, src, dst, u0, u1);

    /// <summary>Units [u0, u1) of <see cref="FromChannelMajor{T, TAct}"/>.</summary>
    [IntrinsicImplementation]
    public static void FromChannelMajorRun(int batch, int channels, int plane, ArrayView<float> src, ArrayView<float> dst,
        ArrayView<float> bias, float beta, float actParam, int activation, int u0, int u1) =>
        Conv2dCpu.FromChannelMajor(batch, channels, plane, src, dst, bias, beta, actParam, activation, u0, u1);

    /// <summary>Channels [c0, c1) of <see cref="ChannelSums{T}"/>.</summary>
    [IntrinsicImplementation]
    public static void ChannelSumsRun(int batch, int channels, int plane, ArrayView<float> src, ArrayView<float> dst, float beta, int c0, int c1) =>
        Conv2dCpu.ChannelSums(batch, channels, plane, src, dst, beta, c0, c1);

    // Their scalar twins: what PTX and OpenCL compile in their place (the generic units).

    /// <summary>The generic twin of <see cref="Im2ColRun"/> that PTX and OpenCL compile.</summary>
    public static void Im2ColRunScalar(Conv2dShape s, ArrayView<float> x, ArrayView<float> col, int u0, int u1) => Im2ColUnits(s, x, col, u0, u1);

    /// <summary>The generic twin of <see cref="Col2ImRun"/> that PTX and OpenCL compile.</summary>
    public static void Col2ImRunScalar(Conv2dShape s, ArrayView<float> col, ArrayView<float> x, ArrayView<float> bias, float beta, float actParam,
        int activation, int u0, int u1)
    {
        if (activation == (int)Activation.Relu) Col2ImUnits<float, ReluAct<float>>(s, col, x, bias, beta, actParam, u0, u1);
        else if (activation == (int)Activation.LeakyRelu) Col2ImUnits<float, LeakyReluAct<float>>(s, col, x, bias, beta, actParam, u0, u1);
        else if (activation == (int)Activation.Sigmoid) Col2ImUnits<float, SigmoidAct<float>>(s, col, x, bias, beta, actParam, u0, u1);
        else if (activation == (int)Activation.Tanh) Col2ImUnits<float, TanhAct<float>>(s, col, x, bias, beta, actParam, u0, u1);
        else if (activation == (int)Activation.Softplus) Col2ImUnits<float, SoftplusAct<float>>(s, col, x, bias, beta, actParam, u0, u1);
        else if (activation == (int)Activation.Elu) Col2ImUnits<float, EluAct<float>>(s, col, x, bias, beta, actParam, u0, u1);
        else Col2ImUnits<float, IdentityAct<float>>(s, col, x, bias, beta, actParam, u0, u1);
    }

    /// <summary>The generic twin of <see cref="ToChannelMajorRun"/> that PTX and OpenCL compile.</summary>
    public static void ToChannelMajorRunScalar(int batch, int channels, int plane, ArrayView<float> src, ArrayView<float> dst, int u0, int u1) =>
        ToChannelMajorUnits(batch, channels, plane, src, dst, u0, u1);

    /// <summary>The generic twin of <see cref="FromChannelMajorRun"/> that PTX and OpenCL compile.</summary>
    public static void FromChannelMajorRunScalar(int batch, int channels, int plane, ArrayView<float> src, ArrayView<float> dst,
        ArrayView<float> bias, float beta, float actParam, int activation, int u0, int u1)
    {
        if (activation == (int)Activation.Relu) FromChannelMajorUnits<float, ReluAct<float>>(batch, channels, plane, src, dst, bias, beta, actParam, u0, u1);
        else if (activation == (int)Activation.LeakyRelu) FromChannelMajorUnits<float, LeakyReluAct<float>>(batch, channels, plane, src, dst, bias, beta, actParam, u0, u1);
        else if (activation == (int)Activation.Sigmoid) FromChannelMajorUnits<float, SigmoidAct<float>>(batch, channels, plane, src, dst, bias, beta, actParam, u0, u1);
        else if (activation == (int)Activation.Tanh) FromChannelMajorUnits<float, TanhAct<float>>(batch, channels, plane, src, dst, bias, beta, actParam, u0, u1);
        else if (activation == (int)Activation.Softplus) FromChannelMajorUnits<float, SoftplusAct<float>>(batch, channels, plane, src, dst, bias, beta, actParam, u0, u1);
        else if (activation == (int)Activation.Elu) FromChannelMajorUnits<float, EluAct<float>>(batch, channels, plane, src, dst, bias, beta, actParam, u0, u1);
        else FromChannelMajorUnits<float, IdentityAct<float>>(batch, channels, plane, src, dst, bias, beta, actParam, u0, u1);
    }

    /// <summary>The generic twin of <see cref="ChannelSumsRun"/> that PTX and OpenCL compile.</summary>
    public static void ChannelSumsRunScalar(int batch, int channels, int plane, ArrayView<float> src, ArrayView<float> dst, float beta, int c0, int c1) =>
        ChannelSumsUnits(batch, channels, plane, src, dst, beta, c0, c1);

    /// <summary>
    /// Tells a context's PTX and OpenCL backends to compile each helper's scalar twin wherever the helper is called.
    /// Only needed where the Cpu* kernels are compiled for a GPU (the offline compile test).
    /// </summary>
    public static void RegisterIntrinsics(Context context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var manager = context.GetIntrinsicManager();
        foreach (var name in new[] { nameof(Im2ColRun), nameof(Col2ImRun), nameof(ToChannelMajorRun), nameof(FromChannelMajorRun), nameof(ChannelSumsRun) })
        {
            var helper = typeof(Conv2dKernels).GetMethod(name, BindingFlags.Public | BindingFlags.Static)!;
            manager.RegisterMethod(helper, new PTXIntrinsic(typeof(Conv2dKernels), name + "Scalar", IntrinsicImplementationMode.Redirect));
            manager.RegisterMethod(helper, new CLIntrinsic(typeof(Conv2dKernels), name + "Scalar", IntrinsicImplementationMode.Redirect));
        }
    }
}

/// <summary>The ordinary .NET bodies behind <see cref="Conv2dKernels"/>' CPU helpers; never seen by ILGPU's compiler.</summary>
static unsafe class Conv2dCpu
{
    static float* Ptr(ArrayView<float> view) => (float*)Unsafe.AsPointer(ref view[0L]);

    // The output columns [lo, hi) whose tap at kernel column kj lies inside the row: 0 <= ow·S − P + kj < W.
    static (int Lo, int Hi) Inside(in Conv2dShape s, int kj)
    {
        int below = s.Padding - kj, above = s.Width - 1 + s.Padding - kj;
        int lo = below <= 0 ? 0 : Math.Min(s.OutWidth, (below + s.Stride - 1) / s.Stride);
        int hi = above < 0 ? 0 : Math.Min(s.OutWidth, above / s.Stride + 1);
        return (lo, Math.Max(lo, hi));
    }

    // A plane of sums per worker, reused across launches.
    [ThreadStatic] static float[]? _plane;

    public static void Im2Col(in Conv2dShape s, ArrayView<float> xv, ArrayView<float> colv, int u0, int u1)
    {
        if (u1 <= u0) return;
        float* x = Ptr(xv), col = Ptr(colv);
        int kk = s.Kernel * s.Kernel, stride = s.Stride, ow = s.OutWidth;
        for (int u = u0; u < u1; u++)
        {
            int r = u / s.Batch, b = u - r * s.Batch;
            int c = r / kk, ki = (r - c * kk) / s.Kernel, kj = r % s.Kernel;
            float* src = x + ((long)b * s.Channels + c) * s.InPlane;
            float* dst = col + (long)u * s.OutPlane;
            // Output columns whose tap lies inside the row: ow·S − P + kj in [0, W).
            (int lo, int hi) = Inside(s, kj);
            for (int oh = 0; oh < s.OutHeight; oh++, dst += ow)
            {
                int ih = oh * stride - s.Padding + ki;
                if (ih < 0 || ih >= s.Height)
                {
                    new Span<float>(dst, ow).Clear();
                    continue;
                }
                for (int j = 0; j < lo; j++) dst[j] = 0;
                float* row = src + (long)ih * s.Width - s.Padding + kj;
                if (stride == 1) new ReadOnlySpan<float>(row + lo, hi - lo).CopyTo(new Span<float>(dst + lo, hi - lo));
                else for (int j = lo; j < hi; j++) dst[j] = row[j * stride];
                for (int j = hi; j < ow; j++) dst[j] = 0;
            }
        }
    }

    // The generic kernel gathers per output element over (ki, kj) ascending; scattering row segments of col in the same
    // (ki, kj) order into a zeroed plane adds the same terms in the same order per element, so the bits agree.
    public static void Col2Im(in Conv2dShape s, ArrayView<float> colv, ArrayView<float> xv, ArrayView<float> biasv, float beta, float actParam,
        int activation, int u0, int u1)
    {
        if (u1 <= u0) return;
        float* col = Ptr(colv), x = Ptr(xv);
        float* bias = biasv.Length > 0 ? Ptr(biasv) : null;
        if (_plane is null || _plane.Length < s.InPlane) _plane = GC.AllocateUninitializedArray<float>(s.InPlane, pinned: true);
        long colStride = s.ColCols;
        int stride = s.Stride, w = s.Width, ow = s.OutWidth;
        fixed (float* acc = _plane)
            for (int u = u0; u < u1; u++)
            {
                int b = u / s.Channels, c = u - b * s.Channels;
                new Span<float>(acc, s.InPlane).Clear();
                for (int ki = 0; ki < s.Kernel; ki++)
                    for (int kj = 0; kj < s.Kernel; kj++)
                    {
                        float* seg = col + ((long)(c * s.Kernel + ki) * s.Kernel + kj) * colStride + (long)b * s.OutPlane;
                        (int lo, int hi) = Inside(s, kj);
                        for (int oh = 0; oh < s.OutHeight; oh++)
                        {
                            int ih = oh * stride - s.Padding + ki;
                            if (ih < 0 || ih >= s.Height) continue;
                            float* dst = acc + ih * w - s.Padding + kj;
                            float* src = seg + oh * ow;
                            for (int j = lo; j < hi; j++) dst[j * stride] += src[j];
                        }
                    }
                float add = bias is null ? 0f : bias[c];
                float* o = x + (long)u * s.InPlane;
                for (int i = 0; i < s.InPlane; i++)
                {
                    float v = acc[i] + add;
                    if (beta != 0) v += beta * o[i];
                    o[i] = activation == (int)Activation.Identity ? v : CpuKernels.Forward(activation, v, actParam);
                }
            }
    }

    public static void ToChannelMajor(int batch, int channels, int plane, ArrayView<float> srcv, ArrayView<float> dstv, int u0, int u1)
    {
        if (u1 <= u0) return;
        float* src = Ptr(srcv), dst = Ptr(dstv);
        for (int u = u0; u < u1; u++)
        {
            int b = u / channels, c = u - b * channels;
            new ReadOnlySpan<float>(src + (long)u * plane, plane).CopyTo(new Span<float>(dst + ((long)c * batch + b) * plane, plane));
        }
    }

    public static void FromChannelMajor(int batch, int channels, int plane, ArrayView<float> srcv, ArrayView<float> dstv,
        ArrayView<float> biasv, float beta, float actParam, int activation, int u0, int u1)
    {
        if (u1 <= u0) return;
        float* src = Ptr(srcv), dst = Ptr(dstv);
        float* bias = biasv.Length > 0 ? Ptr(biasv) : null;
        int lanes = Vector<float>.Count;
        bool vectorised = beta == 0 && activation is (int)Activation.Identity or (int)Activation.Relu;
        for (int u = u0; u < u1; u++)
        {
            int b = u / channels, c = u - b * channels;
            float* to = dst + (long)u * plane;
            float* from = src + ((long)c * batch + b) * plane;
            float add = bias is null ? 0f : bias[c];
            int p = 0;
            if (vectorised)
            {
                var vadd = new Vector<float>(add);
                bool relu = activation == (int)Activation.Relu;
                for (; p + lanes <= plane; p += lanes)
                {
                    var v = Unsafe.ReadUnaligned<Vector<float>>(from + p) + vadd;
                    Unsafe.WriteUnaligned(to + p, relu ? Vector.Max(v, Vector<float>.Zero) : v);
                }
            }
            for (; p < plane; p++)
            {
                float v = from[p] + add;
                if (beta != 0) v += beta * to[p];
                to[p] = activation == (int)Activation.Identity ? v : CpuKernels.Forward(activation, v, actParam);
            }
        }
    }

    public static void ChannelSums(int batch, int channels, int plane, ArrayView<float> srcv, ArrayView<float> dstv, float beta, int c0, int c1)
    {
        if (c1 <= c0) return;
        float* src = Ptr(srcv), dst = Ptr(dstv);
        for (int c = c0; c < c1; c++)
        {
            float acc = 0;
            for (int b = 0; b < batch; b++)
            {
                float* o = src + ((long)b * channels + c) * plane;
                for (int p = 0; p < plane; p++) acc += o[p];
            }
            dst[c] = beta == 0 ? acc : beta * dst[c] + acc;
        }
    }
}
