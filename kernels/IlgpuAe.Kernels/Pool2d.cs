namespace IlgpuAe.Kernels;

/// <summary>
/// Geometry of 2-D pooling and nearest-neighbour upsampling, NCHW, a square window equal to its stride (Factor, 2 for the
/// usual 2×2), no padding: the fine grid [Batch, Channels, Height, Width] (a pooling's input, an upsampling's output) and the
/// coarse grid [Batch, Channels, CoarseHeight, CoarseWidth] with CoarseHeight = ⌊Height / Factor⌋ (PyTorch's floor: rows and
/// columns past the last whole window are not pooled, and their gradient is 0). An upsampling needs Height and Width to be
/// multiples of Factor (<see cref="Upsampling"/> builds its shape from the coarse side).
/// </summary>
public readonly struct Pool2dShape
{
    /// <summary>Images, channels, and the fine grid's height and width.</summary>
    public readonly int Batch, Channels, Height, Width;
    /// <summary>Window side and stride, the same on both axes.</summary>
    public readonly int Factor;
    /// <summary>The coarse grid: ⌊Height / Factor⌋ × ⌊Width / Factor⌋.</summary>
    public readonly int CoarseHeight, CoarseWidth;

    /// <summary>Pooling of [batch, channels, height, width] by <paramref name="factor"/>×<paramref name="factor"/> windows.</summary>
    public Pool2dShape(int batch, int channels, int height, int width, int factor)
    {
        Batch = batch; Channels = channels; Height = height; Width = width; Factor = factor;
        CoarseHeight = factor > 0 ? height / factor : 0;
        CoarseWidth = factor > 0 ? width / factor : 0;
    }

    /// <summary>The shape of a nearest-neighbour upsampling of [batch, channels, height, width] by <paramref name="factor"/>: the fine grid is factor·height × factor·width.</summary>
    public static Pool2dShape Upsampling(int batch, int channels, int height, int width, int factor) =>
        new(batch, channels, (int)Math.Min(int.MaxValue, (long)height * factor), (int)Math.Min(int.MaxValue, (long)width * factor), factor);

    /// <summary>(image, channel) planes, Batch·Channels: the kernels' work units.</summary>
    public int Planes => Batch * Channels;
    /// <summary>Pixels of a fine plane.</summary>
    public int FinePlane => Height * Width;
    /// <summary>Pixels of a coarse plane.</summary>
    public int CoarsePlane => CoarseHeight * CoarseWidth;
    /// <summary>Elements of the fine grid.</summary>
    public long FineLength => (long)Planes * FinePlane;
    /// <summary>Elements of the coarse grid.</summary>
    public long CoarseLength => (long)Planes * CoarsePlane;
    /// <summary>Whether the fine grid is exactly Factor times the coarse one (no cropped rows or columns), as an upsampling needs.</summary>
    public bool Exact => CoarseHeight * Factor == Height && CoarseWidth * Factor == Width;

    /// <summary>Why the shape cannot run (a size not positive, a window larger than the image, more than 2³¹ elements), or null when it can.</summary>
    public string? Problem()
    {
        if (Batch <= 0 || Channels <= 0 || Height <= 0 || Width <= 0)
            return $"pooling sizes must be positive: batch {Batch}, channels {Channels}, {Height}x{Width}";
        if (Factor <= 0) return $"pooling needs a window of at least 1, got {Factor}";
        if (Height < Factor || Width < Factor) return $"a {Factor}x{Factor} pooling window is larger than the {Height}x{Width} image";
        if ((long)Height * Width > int.MaxValue || FineLength > int.MaxValue) return $"pooling of {this} has more than 2^31 elements; use a smaller batch";
        return null;
    }

    /// <summary>e.g. "128x32x14x14 &lt;-&gt; 7x7 (2x2)".</summary>
    public override string ToString() => $"{Batch}x{Channels}x{Height}x{Width} <-> {CoarseHeight}x{CoarseWidth} ({Factor}x{Factor})";
}

/// <summary>
/// Max-pooling, average pooling and nearest-neighbour upsampling, forward and backward. The windows do not overlap (stride =
/// window), so every backward is a gather that writes each element once: no atomics, a fixed order, the same bits every run.
/// Every kernel walks (image, channel) planes with a <see cref="Loop"/>; the CPU accelerator runs float bodies of the same
/// units (Pool2d.Cpu.cs), which give the same bits. Window taps are visited row-major (a, e) = (0, 0), (0, 1), …
/// </summary>
public static partial class Pool2dKernels
{
    /// <summary>y[b, c, i, j] = max_{a,e &lt; F} x[b, c, i·F + a, j·F + e]; a NaN in the window gives NaN. Units: planes.</summary>
    public static void MaxPool<T>(Index1D t, Loop loop, Pool2dShape s, ArrayView<T> x, ArrayView<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = s.Planes;
        for (int first = loop.First(t); first < n; first += loop.Step) MaxPoolUnits(s, x, y, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>
    /// dx[b, c, h, w] = beta·dx + (dy[b, c, h/F, w/F] if (h, w) is its window's first maximum (row-major; the first NaN where
    /// there is one), else 0); 0 in the rows and columns no window covers. dx is not read when beta == 0. Units: planes.
    /// </summary>
    public static void MaxPoolBackward<T>(Index1D t, Loop loop, Pool2dShape s, ArrayView<T> x, ArrayView<T> dy, ArrayView<T> dx, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = s.Planes;
        for (int first = loop.First(t); first < n; first += loop.Step) MaxPoolBackwardUnits(s, x, dy, dx, beta, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>y[b, c, i, j] = (Σ_{a,e &lt; F} x[b, c, i·F + a, j·F + e]) / F² (the sum row-major). Units: planes.</summary>
    public static void AvgPool<T>(Index1D t, Loop loop, Pool2dShape s, ArrayView<T> x, ArrayView<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = s.Planes;
        for (int first = loop.First(t); first < n; first += loop.Step) AvgPoolUnits(s, x, y, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>dx[b, c, h, w] = beta·dx + dy[b, c, h/F, w/F] / F², 0 in the rows and columns no window covers. Units: planes.</summary>
    public static void AvgPoolBackward<T>(Index1D t, Loop loop, Pool2dShape s, ArrayView<T> dy, ArrayView<T> dx, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = s.Planes;
        for (int first = loop.First(t); first < n; first += loop.Step) AvgPoolBackwardUnits(s, dy, dx, beta, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>y[b, c, h, w] = x[b, c, h/F, w/F]: x the coarse grid, y the fine one (an exact shape). Units: planes.</summary>
    public static void Upsample<T>(Index1D t, Loop loop, Pool2dShape s, ArrayView<T> x, ArrayView<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = s.Planes;
        for (int first = loop.First(t); first < n; first += loop.Step) UpsampleUnits(s, x, y, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>dx[b, c, i, j] = beta·dx + Σ_{a,e &lt; F} dy[b, c, i·F + a, j·F + e] (row-major): dy fine, dx coarse. Units: planes.</summary>
    public static void UpsampleBackward<T>(Index1D t, Loop loop, Pool2dShape s, ArrayView<T> dy, ArrayView<T> dx, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = s.Planes;
        for (int first = loop.First(t); first < n; first += loop.Step) UpsampleBackwardUnits(s, dy, dx, beta, first, Math.Min(first + loop.Span, n));
    }

    // The units, shared by the generic kernels and the CPU helpers' scalar twins (what PTX and OpenCL compile in their place).

    /// <summary>Whether tap v replaces the running maximum m: v &gt; m, or v is NaN and m is not (so the first NaN wins and stays).</summary>
    public static bool Replaces<T>(T v, T m) where T : unmanaged, IFloatingPointIeee754<T> => !(v <= m) && !Num<T>.IsNaN(m);

    /// <summary><see cref="MaxPool{T}"/> for planes [u0, u1).</summary>
    public static void MaxPoolUnits<T>(in Pool2dShape s, ArrayView<T> x, ArrayView<T> y, int u0, int u1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int f = s.Factor;
        for (int u = u0; u < u1; u++)
        {
            long fine = (long)u * s.FinePlane, o = (long)u * s.CoarsePlane;
            for (int i = 0; i < s.CoarseHeight; i++)
                for (int j = 0; j < s.CoarseWidth; j++, o++)
                {
                    long top = fine + (long)i * f * s.Width + j * f;
                    T m = x[top];
                    for (int a = 0; a < f; a++)
                        for (int e = 0; e < f; e++)
                        {
                            T v = x[top + (long)a * s.Width + e];
                            if (Replaces(v, m)) m = v;
                        }
                    y[o] = m;
                }
        }
    }

    /// <summary><see cref="MaxPoolBackward{T}"/> for planes [u0, u1).</summary>
    public static void MaxPoolBackwardUnits<T>(in Pool2dShape s, ArrayView<T> x, ArrayView<T> dy, ArrayView<T> dx, T beta, int u0, int u1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int f = s.Factor;
        for (int u = u0; u < u1; u++)
        {
            long fine = (long)u * s.FinePlane, o = (long)u * s.CoarsePlane;
            ZeroUncovered(s, dx, beta, fine);
            for (int i = 0; i < s.CoarseHeight; i++)
                for (int j = 0; j < s.CoarseWidth; j++, o++)
                {
                    long top = fine + (long)i * f * s.Width + j * f;
                    T m = x[top];
                    int best = 0;
                    for (int a = 0; a < f; a++)
                        for (int e = 0; e < f; e++)
                        {
                            T v = x[top + (long)a * s.Width + e];
                            if (Replaces(v, m)) { m = v; best = a * f + e; }
                        }
                    T g = dy[o];
                    for (int a = 0; a < f; a++)
                        for (int e = 0; e < f; e++)
                            Beta.Blend(dx, top + (long)a * s.Width + e, beta, a * f + e == best ? g : T.Zero);
                }
        }
    }

    /// <summary><see cref="AvgPool{T}"/> for planes [u0, u1).</summary>
    public static void AvgPoolUnits<T>(in Pool2dShape s, ArrayView<T> x, ArrayView<T> y, int u0, int u1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int f = s.Factor;
        T area = Area<T>(f);
        for (int u = u0; u < u1; u++)
        {
            long fine = (long)u * s.FinePlane, o = (long)u * s.CoarsePlane;
            for (int i = 0; i < s.CoarseHeight; i++)
                for (int j = 0; j < s.CoarseWidth; j++, o++)
                {
                    long top = fine + (long)i * f * s.Width + j * f;
                    T acc = T.Zero;
                    for (int a = 0; a < f; a++)
                        for (int e = 0; e < f; e++) acc += x[top + (long)a * s.Width + e];
                    y[o] = acc / area;
                }
        }
    }

    /// <summary><see cref="AvgPoolBackward{T}"/> for planes [u0, u1).</summary>
    public static void AvgPoolBackwardUnits<T>(in Pool2dShape s, ArrayView<T> dy, ArrayView<T> dx, T beta, int u0, int u1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int f = s.Factor;
        T area = Area<T>(f);
        for (int u = u0; u < u1; u++)
        {
            long fine = (long)u * s.FinePlane, o = (long)u * s.CoarsePlane;
            ZeroUncovered(s, dx, beta, fine);
            for (int i = 0; i < s.CoarseHeight; i++)
                for (int j = 0; j < s.CoarseWidth; j++, o++)
                {
                    long top = fine + (long)i * f * s.Width + j * f;
                    T g = dy[o] / area;
                    for (int a = 0; a < f; a++)
                        for (int e = 0; e < f; e++) Beta.Blend(dx, top + (long)a * s.Width + e, beta, g);
                }
        }
    }

    /// <summary><see cref="Upsample{T}"/> for planes [u0, u1).</summary>
    public static void UpsampleUnits<T>(in Pool2dShape s, ArrayView<T> x, ArrayView<T> y, int u0, int u1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int f = s.Factor;
        for (int u = u0; u < u1; u++)
        {
            long fine = (long)u * s.FinePlane, coarse = (long)u * s.CoarsePlane;
            for (int h = 0; h < s.Height; h++)
            {
                long row = coarse + (long)(h / f) * s.CoarseWidth, o = fine + (long)h * s.Width;
                for (int w = 0; w < s.Width; w++) y[o + w] = x[row + w / f];
            }
        }
    }

    /// <summary><see cref="UpsampleBackward{T}"/> for planes [u0, u1).</summary>
    public static void UpsampleBackwardUnits<T>(in Pool2dShape s, ArrayView<T> dy, ArrayView<T> dx, T beta, int u0, int u1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int f = s.Factor;
        for (int u = u0; u < u1; u++)
        {
            long fine = (long)u * s.FinePlane, o = (long)u * s.CoarsePlane;
            for (int i = 0; i < s.CoarseHeight; i++)
                for (int j = 0; j < s.CoarseWidth; j++, o++)
                {
                    long top = fine + (long)i * f * s.Width + j * f;
                    T acc = T.Zero;
                    for (int a = 0; a < f; a++)
                        for (int e = 0; e < f; e++) acc += dy[top + (long)a * s.Width + e];
                    Beta.Blend(dx, o, beta, acc);
                }
        }
    }

    // F² as a T without converting an integer (which ILGPU cannot compile for a generic T): exact for any F that fits.
    static T Area<T>(int f) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T side = T.Zero;
        for (int i = 0; i < f; i++) side += T.One;
        return side * side;
    }

    // The rows below the last whole window and the columns right of it get no gradient: dx = beta·dx there.
    static void ZeroUncovered<T>(in Pool2dShape s, ArrayView<T> dx, T beta, long fine)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int coveredH = s.CoarseHeight * s.Factor, coveredW = s.CoarseWidth * s.Factor;
        if (coveredH == s.Height && coveredW == s.Width) return;
        for (int h = 0; h < s.Height; h++)
            for (int w = h < coveredH ? coveredW : 0; w < s.Width; w++) Beta.Blend(dx, fine + (long)h * s.Width + w, beta, T.Zero);
    }
}

/// <summary>Plain double-precision pooling and upsampling, written from the definitions (4-D indices, no plane arithmetic), to check the kernels.</summary>
public static class Pool2dReference
{
    static long At(in Pool2dShape s, int b, int c, int h, int w, bool fine) =>
        fine ? (((long)b * s.Channels + c) * s.Height + h) * s.Width + w : (((long)b * s.Channels + c) * s.CoarseHeight + h) * s.CoarseWidth + w;

    /// <summary>y[b, c, i, j] = max of the window (NaN if it holds one); also returns each window's first maximising fine index.</summary>
    public static (double[] Y, long[] ArgMax) MaxPool(Pool2dShape s, double[] x)
    {
        var y = new double[s.CoarseLength];
        var arg = new long[s.CoarseLength];
        for (int b = 0; b < s.Batch; b++)
            for (int c = 0; c < s.Channels; c++)
                for (int i = 0; i < s.CoarseHeight; i++)
                    for (int j = 0; j < s.CoarseWidth; j++)
                    {
                        long best = -1;
                        double m = double.NegativeInfinity;
                        for (int a = 0; a < s.Factor; a++)
                            for (int e = 0; e < s.Factor; e++)
                            {
                                long k = At(s, b, c, i * s.Factor + a, j * s.Factor + e, true);
                                if (best < 0 || (double.IsNaN(x[k]) && !double.IsNaN(m)) || x[k] > m) { best = k; m = x[k]; }
                            }
                        long o = At(s, b, c, i, j, false);
                        y[o] = m;
                        arg[o] = best;
                    }
        return (y, arg);
    }

    /// <summary>dx = dy routed to each window's first maximum, 0 elsewhere.</summary>
    public static double[] MaxPoolBackward(Pool2dShape s, double[] x, double[] dy)
    {
        var dx = new double[s.FineLength];
        var (_, arg) = MaxPool(s, x);
        for (long o = 0; o < arg.Length; o++) dx[arg[o]] += dy[o];
        return dx;
    }

    /// <summary>y[b, c, i, j] = mean of the window.</summary>
    public static double[] AvgPool(Pool2dShape s, double[] x)
    {
        var y = new double[s.CoarseLength];
        ForEachTap(s, (fine, coarse) => y[coarse] += x[fine] / (s.Factor * s.Factor));
        return y;
    }

    /// <summary>dx[fine] = dy[its window] / F², 0 where no window covers.</summary>
    public static double[] AvgPoolBackward(Pool2dShape s, double[] dy)
    {
        var dx = new double[s.FineLength];
        ForEachTap(s, (fine, coarse) => dx[fine] += dy[coarse] / (s.Factor * s.Factor));
        return dx;
    }

    /// <summary>y[fine] = x[its window]: every coarse pixel copied to an F×F block.</summary>
    public static double[] Upsample(Pool2dShape s, double[] x)
    {
        var y = new double[s.FineLength];
        ForEachTap(s, (fine, coarse) => y[fine] = x[coarse]);
        return y;
    }

    /// <summary>dx[coarse] = Σ dy over its F×F block.</summary>
    public static double[] UpsampleBackward(Pool2dShape s, double[] dy)
    {
        var dx = new double[s.CoarseLength];
        ForEachTap(s, (fine, coarse) => dx[coarse] += dy[fine]);
        return dx;
    }

    // visit(fine index, coarse index) for every pixel inside a whole window.
    static void ForEachTap(Pool2dShape s, Action<long, long> visit)
    {
        for (int b = 0; b < s.Batch; b++)
            for (int c = 0; c < s.Channels; c++)
                for (int h = 0; h < s.CoarseHeight * s.Factor; h++)
                    for (int w = 0; w < s.CoarseWidth * s.Factor; w++)
                        visit(At(s, b, c, h, w, true), At(s, b, c, h / s.Factor, w / s.Factor, false));
    }
}
