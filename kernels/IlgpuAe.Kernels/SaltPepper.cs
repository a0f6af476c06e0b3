namespace IlgpuAe.Kernels;

/// <summary>
/// Salt-and-pepper noise for denoising autoencoders: a random fraction of the inputs is replaced by
/// the extremes of the data range [0, 1]. Like <see cref="CorruptionKernels"/>, every choice is a
/// pure function of (seed, stream, index). y may alias x.
/// </summary>
public static class SaltPepperKernels
{
    /// <summary>
    /// y[i] = (w1 &gt;&gt; 31) ? 1 : 0 if u_i &lt; p else x[i];  u_i = U(words 0, 2), w = Philox(seed, stream, first + i)
    /// (a hit is salt or pepper with equal odds, from a word the uniform does not use)
    /// </summary>
    public static void Noise<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> y, ulong seed, StreamKey key, ArrayView<ulong> step, ulong first, T p)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)x.Length;
        ulong stream = key.Of(step[0]);
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                var r = Philox.Generate(seed, stream, first + (ulong)i);
                bool hit = Philox.Unit<T>(r.X0, r.X2) < p;
                y[i] = hit ? ((r.X1 >> 31) != 0 ? T.One : T.Zero) : x[i];
            }
    }
}

/// <summary>The double-precision meaning of <see cref="SaltPepperKernels"/>, from the same Philox words.</summary>
public static class SaltPepperReference
{
    /// <summary>y[i] = 0 or 1 (a fair coin) where the uniform of element i is below <paramref name="p"/>, else x[i].</summary>
    public static double[] Noise(double[] x, ulong seed, ulong stream, int bits, double p) =>
        x.Select((v, i) =>
        {
            var r = Philox.Generate(seed, stream, (ulong)i);
            return RandomReference.Unit(r.X0, r.X2, bits) < p ? (r.X1 >> 31) : v;
        }).ToArray();
}
