namespace IlgpuAe.Kernels;

/// <summary>
/// Input corruption for denoising and completion models. Like <see cref="RandomKernels"/>, every
/// random choice is a pure function of (seed, stream, index): the same corruption on every
/// backend and launch shape. y may alias x.
/// </summary>
public static partial class CorruptionKernels
{
    /// <summary>y[i] = x[i] + std·N(0,1)  (the same N(0,1) as RandomKernels.Normal for this seed, stream and first + i)</summary>
    public static void GaussianNoise<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> y, ulong seed, StreamKey key, ArrayView<ulong> step, ulong first, T std)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)x.Length;
        ulong stream = key.Of(step[0]);
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++) y[i] = x[i] + std * Philox.Gaussian<T>(seed, stream, first + (ulong)i);
    }

    /// <summary>y[i] = 0 if u_i &lt; dropProb else x[i], u_i = RandomKernels.Uniform for this seed, stream and first + i  (masking noise)</summary>
    public static void MaskingNoise<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> y, ulong seed, StreamKey key, ArrayView<ulong> step, ulong first, T dropProb)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)x.Length;
        ulong stream = key.Of(step[0]);
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                var r = Philox.Generate(seed, stream, first + (ulong)i);
                y[i] = Philox.Unit<T>(r.X0, r.X2) < dropProb ? T.Zero : x[i];
            }
    }

    /// <summary>
    /// Hides one blockH×blockW rectangle per image of a batch [rows, height·width]: y = 0 and
    /// observed = 0 inside it, y = x and observed = 1 elsewhere. Row r's corner is
    /// (top, left) = (w0 mod (height − blockH + 1), w1 mod (width − blockW + 1)), w = Philox(seed, stream, firstRow + r), stream = key.Of(step[0])
    /// (<paramref name="firstRow"/>: the row of x[0] in a larger batch, so that a slice of a batch hides the batch's blocks).
    /// </summary>
    public static void BlockMask<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> y, ArrayView<T> observed,
        int height, int width, int blockH, int blockW, ulong seed, StreamKey key, ArrayView<ulong> step, ulong firstRow)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)x.Length;
        ulong stream = key.Of(step[0]);
        int pixels = height * width;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                int r = i / pixels, p = i - r * pixels;
                int py = p / width, px = p - py * width;
                var w = Philox.Generate(seed, stream, firstRow + (ulong)r);
                int top = (int)(w.X0 % (uint)(height - blockH + 1));
                int left = (int)(w.X1 % (uint)(width - blockW + 1));
                bool hidden = py >= top && py < top + blockH && px >= left && px < left + blockW;
                y[i] = hidden ? T.Zero : x[i];
                observed[i] = hidden ? T.Zero : T.One;
            }
    }
}

/// <summary>The double-precision meaning of <see cref="CorruptionKernels"/>, from the same Philox words.</summary>
public static class CorruptionReference
{
    /// <summary>y[i] = x[i] + std·N(0, 1), the normal drawn from Philox element i of (seed, stream).</summary>
    public static double[] GaussianNoise(double[] x, ulong seed, ulong stream, int bits, double std) =>
        x.Select((v, i) => v + RandomReference.Normal(seed, stream, i, bits, 0, std)).ToArray();

    /// <summary>y[i] = 0 where the uniform of element i is below <paramref name="p"/>, else x[i].</summary>
    public static double[] MaskingNoise(double[] x, ulong seed, ulong stream, int bits, double p) =>
        x.Select((v, i) => RandomReference.Uniform(seed, stream, i, bits) < p ? 0 : v).ToArray();

    /// <summary>
    /// Zeroes one blockH×blockW rectangle per height×width image (placed from Philox block r of image r);
    /// <c>observed</c> is 0 inside the rectangle and 1 elsewhere.
    /// </summary>
    public static (double[] y, double[] observed) BlockMask(double[] x, int height, int width, int blockH, int blockW,
        ulong seed, ulong stream)
    {
        var y = (double[])x.Clone();
        var observed = x.Select(_ => 1.0).ToArray();
        int pixels = height * width;
        for (int r = 0; r < x.Length / pixels; r++)
        {
            var w = Philox.Generate(seed, stream, (ulong)r);
            int top = (int)(w.X0 % (uint)(height - blockH + 1)), left = (int)(w.X1 % (uint)(width - blockW + 1));
            for (int py = top; py < top + blockH; py++)
                for (int px = left; px < left + blockW; px++)
                {
                    y[r * pixels + py * width + px] = 0;
                    observed[r * pixels + py * width + px] = 0;
                }
        }
        return (y, observed);
    }
}
