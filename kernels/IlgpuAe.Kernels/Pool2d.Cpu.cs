using ILGPU.IR.Intrinsics;
using static IlgpuAe.Kernels.CpuIntrinsics;

namespace IlgpuAe.Kernels;

// The CPU accelerator's float bodies of pooling and upsampling (see CpuIntrinsics): the same planes, the same taps in the same
// order, so the same bits as the generic kernels; pointers instead of ILGPU's bounds-checked element access.
public static partial class Pool2dKernels
{
    /// <summary>CPU body of <see cref="MaxPool{T}"/>.</summary>
    public static void CpuMaxPool(Index1D t, Loop loop, Pool2dShape s, ArrayView<float> x, ArrayView<float> y)
    {
        int n = s.Planes;
        for (int first = loop.First(t); first < n; first += loop.Step) MaxPoolRun(s, x, y, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>CPU body of <see cref="MaxPoolBackward{T}"/>.</summary>
    public static void CpuMaxPoolBackward(Index1D t, Loop loop, Pool2dShape s, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx, float beta)
    {
        int n = s.Planes;
        for (int first = loop.First(t); first < n; first += loop.Step) MaxPoolBackwardRun(s, x, dy, dx, beta, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>CPU body of <see cref="AvgPool{T}"/>.</summary>
    public static void CpuAvgPool(Index1D t, Loop loop, Pool2dShape s, ArrayView<float> x, ArrayView<float> y)
    {
        int n = s.Planes;
        for (int first = loop.First(t); first < n; first += loop.Step) AvgPoolRun(s, x, y, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>CPU body of <see cref="AvgPoolBackward{T}"/>.</summary>
    public static void CpuAvgPoolBackward(Index1D t, Loop loop, Pool2dShape s, ArrayView<float> dy, ArrayView<float> dx, float beta)
    {
        int n = s.Planes;
        for (int first = loop.First(t); first < n; first += loop.Step) AvgPoolBackwardRun(s, dy, dx, beta, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>CPU body of <see cref="Upsample{T}"/>.</summary>
    public static void CpuUpsample(Index1D t, Loop loop, Pool2dShape s, ArrayView<float> x, ArrayView<float> y)
    {
        int n = s.Planes;
        for (int first = loop.First(t); first < n; first += loop.Step) UpsampleRun(s, x, y, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>CPU body of <see cref="UpsampleBackward{T}"/>.</summary>
    public static void CpuUpsampleBackward(Index1D t, Loop loop, Pool2dShape s, ArrayView<float> dy, ArrayView<float> dx, float beta)
    {
        int n = s.Planes;
        for (int first = loop.First(t); first < n; first += loop.Step) UpsampleBackwardRun(s, dy, dx, beta, first, Math.Min(first + loop.Span, n));
    }

    // The helpers: [IntrinsicImplementation] makes ILGPU's CPU accelerator call the .NET body as it is.

    /// <summary>Planes [u0, u1) of <see cref="MaxPool{T}"/>.</summary>
    [IntrinsicImplementation]
    public static void MaxPoolRun(Pool2dShape s, ArrayView<float> x, ArrayView<float> y, int u0, int u1) => PoolCpu.MaxPool(s, x, y, u0, u1);

    /// <summary>Planes [u0, u1) of <see cref="MaxPoolBackward{T}"/>.</summary>
    [IntrinsicImplementation]
    public static void MaxPoolBackwardRun(Pool2dShape s, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx, float beta, int u0, int u1) =>
        PoolCpu.MaxPoolBackward(s, x, dy, dx, beta, u0, u1);

    /// <summary>Planes [u0, u1) of <see cref="AvgPool{T}"/>.</summary>
    [IntrinsicImplementation]
    public static void AvgPoolRun(Pool2dShape s, ArrayView<float> x, ArrayView<float> y, int u0, int u1) => PoolCpu.AvgPool(s, x, y, u0, u1);

    /// <summary>Planes [u0, u1) of <see cref="AvgPoolBackward{T}"/>.</summary>
    [IntrinsicImplementation]
    public static void AvgPoolBackwardRun(Pool2dShape s, ArrayView<float> dy, ArrayView<float> dx, float beta, int u0, int u1) =>
        PoolCpu.AvgPoolBackward(s, dy, dx, beta, u0, u1);

    /// <summary>Planes [u0, u1) of <see cref="Upsample{T}"/>.</summary>
    [IntrinsicImplementation]
    public static void UpsampleRun(Pool2dShape s, ArrayView<float> x, ArrayView<float> y, int u0, int u1) => PoolCpu.Upsample(s, x, y, u0, u1);

    /// <summary>Planes [u0, u1) of <see cref="UpsampleBackward{T}"/>.</summary>
    [IntrinsicImplementation]
    public static void UpsampleBackwardRun(Pool2dShape s, ArrayView<float> dy, ArrayView<float> dx, float beta, int u0, int u1) =>
        PoolCpu.UpsampleBackward(s, dy, dx, beta, u0, u1);

    // Their scalar twins: what PTX and OpenCL compile in their place (the generic units).

    /// <summary>The generic twin of <see cref="MaxPoolRun"/>.</summary>
    public static void MaxPoolRunScalar(Pool2dShape s, ArrayView<float> x, ArrayView<float> y, int u0, int u1) => MaxPoolUnits(s, x, y, u0, u1);

    /// <summary>The generic twin of <see cref="MaxPoolBackwardRun"/>.</summary>
    public static void MaxPoolBackwardRunScalar(Pool2dShape s, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx, float beta, int u0, int u1) =>
        MaxPoolBackwardUnits(s, x, dy, dx, beta, u0, u1);

    /// <summary>The generic twin of <see cref="AvgPoolRun"/>.</summary>
    public static void AvgPoolRunScalar(Pool2dShape s, ArrayView<float> x, ArrayView<float> y, int u0, int u1) => AvgPoolUnits(s, x, y, u0, u1);

    /// <summary>The generic twin of <see cref="AvgPoolBackwardRun"/>.</summary>
    public static void AvgPoolBackwardRunScalar(Pool2dShape s, ArrayView<float> dy, ArrayView<float> dx, float beta, int u0, int u1) =>
        AvgPoolBackwardUnits(s, dy, dx, beta, u0, u1);

    /// <summary>The generic twin of <see cref="UpsampleRun"/>.</summary>
    public static void UpsampleRunScalar(Pool2dShape s, ArrayView<float> x, ArrayView<float> y, int u0, int u1) => UpsampleUnits(s, x, y, u0, u1);

    /// <summary>The generic twin of <see cref="UpsampleBackwardRun"/>.</summary>
    public static void UpsampleBackwardRunScalar(Pool2dShape s, ArrayView<float> dy, ArrayView<float> dx, float beta, int u0, int u1) =>
        UpsampleBackwardUnits(s, dy, dx, beta, u0, u1);

    internal static void RegisterCpuTwins(Context context)
    {
        Redirect(context, typeof(Pool2dKernels), nameof(MaxPoolRun), nameof(MaxPoolRunScalar));
        Redirect(context, typeof(Pool2dKernels), nameof(MaxPoolBackwardRun), nameof(MaxPoolBackwardRunScalar));
        Redirect(context, typeof(Pool2dKernels), nameof(AvgPoolRun), nameof(AvgPoolRunScalar));
        Redirect(context, typeof(Pool2dKernels), nameof(AvgPoolBackwardRun), nameof(AvgPoolBackwardRunScalar));
        Redirect(context, typeof(Pool2dKernels), nameof(UpsampleRun), nameof(UpsampleRunScalar));
        Redirect(context, typeof(Pool2dKernels), nameof(UpsampleBackwardRun), nameof(UpsampleBackwardRunScalar));
    }

    // The ordinary .NET bodies behind the helpers; never seen by ILGPU's compiler.
    static unsafe class PoolCpu
    {
        // The float form of Replaces: v > m, or v NaN while m is not.
        static bool Takes(float v, float m) => !(v <= m) && !float.IsNaN(m);

        public static void MaxPool(in Pool2dShape s, ArrayView<float> xv, ArrayView<float> yv, int u0, int u1)
        {
            if (u1 <= u0) return;
            float* x = Ptr(xv), y = Ptr(yv);
            int f = s.Factor, width = s.Width;
            for (int u = u0; u < u1; u++)
            {
                float* plane = x + (long)u * s.FinePlane, o = y + (long)u * s.CoarsePlane;
                for (int i = 0; i < s.CoarseHeight; i++)
                    for (int j = 0; j < s.CoarseWidth; j++)
                    {
                        float* top = plane + (long)i * f * width + j * f;
                        float m = top[0];
                        for (int a = 0; a < f; a++)
                            for (int e = 0; e < f; e++)
                            {
                                float v = top[(long)a * width + e];
                                if (Takes(v, m)) m = v;
                            }
                        *o++ = m;
                    }
            }
        }

        public static void MaxPoolBackward(in Pool2dShape s, ArrayView<float> xv, ArrayView<float> dyv, ArrayView<float> dxv, float beta, int u0, int u1)
        {
            if (u1 <= u0) return;
            float* x = Ptr(xv), dy = Ptr(dyv), dx = Ptr(dxv);
            int f = s.Factor, width = s.Width;
            for (int u = u0; u < u1; u++)
            {
                long fine = (long)u * s.FinePlane;
                float* g = dy + (long)u * s.CoarsePlane;
                Uncovered(s, dx + fine, beta);
                for (int i = 0; i < s.CoarseHeight; i++)
                    for (int j = 0; j < s.CoarseWidth; j++, g++)
                    {
                        long top = fine + (long)i * f * width + j * f;
                        float m = x[top];
                        int best = 0;
                        for (int a = 0; a < f; a++)
                            for (int e = 0; e < f; e++)
                            {
                                float v = x[top + (long)a * width + e];
                                if (Takes(v, m)) { m = v; best = a * f + e; }
                            }
                        for (int a = 0; a < f; a++)
                            for (int e = 0; e < f; e++)
                            {
                                float* d = dx + top + (long)a * width + e;
                                float v = a * f + e == best ? *g : 0f;
                                *d = beta == 0 ? v : beta * *d + v;
                            }
                    }
            }
        }

        public static void AvgPool(in Pool2dShape s, ArrayView<float> xv, ArrayView<float> yv, int u0, int u1)
        {
            if (u1 <= u0) return;
            float* x = Ptr(xv), y = Ptr(yv);
            int f = s.Factor, width = s.Width;
            float area = (float)f * f;
            for (int u = u0; u < u1; u++)
            {
                float* plane = x + (long)u * s.FinePlane, o = y + (long)u * s.CoarsePlane;
                for (int i = 0; i < s.CoarseHeight; i++)
                    for (int j = 0; j < s.CoarseWidth; j++)
                    {
                        float* top = plane + (long)i * f * width + j * f;
                        float acc = 0f;
                        for (int a = 0; a < f; a++)
                            for (int e = 0; e < f; e++) acc += top[(long)a * width + e];
                        *o++ = acc / area;
                    }
            }
        }

        public static void AvgPoolBackward(in Pool2dShape s, ArrayView<float> dyv, ArrayView<float> dxv, float beta, int u0, int u1)
        {
            if (u1 <= u0) return;
            float* dy = Ptr(dyv), dx = Ptr(dxv);
            int f = s.Factor, width = s.Width;
            float area = (float)f * f;
            for (int u = u0; u < u1; u++)
            {
                float* plane = dx + (long)u * s.FinePlane, g = dy + (long)u * s.CoarsePlane;
                Uncovered(s, plane, beta);
                for (int i = 0; i < s.CoarseHeight; i++)
                    for (int j = 0; j < s.CoarseWidth; j++, g++)
                    {
                        float* top = plane + (long)i * f * width + j * f;
                        float v = *g / area;
                        for (int a = 0; a < f; a++)
                            for (int e = 0; e < f; e++)
                            {
                                float* d = top + (long)a * width + e;
                                *d = beta == 0 ? v : beta * *d + v;
                            }
                    }
            }
        }

        public static void Upsample(in Pool2dShape s, ArrayView<float> xv, ArrayView<float> yv, int u0, int u1)
        {
            if (u1 <= u0) return;
            float* x = Ptr(xv), y = Ptr(yv);
            int f = s.Factor;
            for (int u = u0; u < u1; u++)
            {
                float* coarse = x + (long)u * s.CoarsePlane, o = y + (long)u * s.FinePlane;
                for (int h = 0; h < s.Height; h++)
                {
                    float* row = coarse + (long)(h / f) * s.CoarseWidth;
                    for (int w = 0; w < s.Width; w++) *o++ = row[w / f];
                }
            }
        }

        public static void UpsampleBackward(in Pool2dShape s, ArrayView<float> dyv, ArrayView<float> dxv, float beta, int u0, int u1)
        {
            if (u1 <= u0) return;
            float* dy = Ptr(dyv), dx = Ptr(dxv);
            int f = s.Factor, width = s.Width;
            for (int u = u0; u < u1; u++)
            {
                float* plane = dy + (long)u * s.FinePlane, d = dx + (long)u * s.CoarsePlane;
                for (int i = 0; i < s.CoarseHeight; i++)
                    for (int j = 0; j < s.CoarseWidth; j++, d++)
                    {
                        float* top = plane + (long)i * f * width + j * f;
                        float acc = 0f;
                        for (int a = 0; a < f; a++)
                            for (int e = 0; e < f; e++) acc += top[(long)a * width + e];
                        *d = beta == 0 ? acc : beta * *d + acc;
                    }
            }
        }

        // dx = beta·dx (0 when beta is 0) in the rows and columns no window covers.
        static void Uncovered(in Pool2dShape s, float* plane, float beta)
        {
            int coveredH = s.CoarseHeight * s.Factor, coveredW = s.CoarseWidth * s.Factor;
            if (coveredH == s.Height && coveredW == s.Width) return;
            for (int h = 0; h < s.Height; h++)
                for (int w = h < coveredH ? coveredW : 0; w < s.Width; w++)
                {
                    float* d = plane + (long)h * s.Width + w;
                    *d = beta == 0 ? 0f : beta * *d + 0f; // as Beta.Blend(…, 0): -0 becomes +0 there too
                }
        }
    }
}
