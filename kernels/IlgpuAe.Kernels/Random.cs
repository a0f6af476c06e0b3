namespace IlgpuAe.Kernels;

/// <summary>The four 32-bit words of one Philox4x32 block.</summary>
/// <param name="x0">Word 0.</param>
/// <param name="x1">Word 1.</param>
/// <param name="x2">Word 2.</param>
/// <param name="x3">Word 3.</param>
public readonly struct PhiloxBlock(uint x0, uint x1, uint x2, uint x3)
{
    /// <summary>The four words, in Random123's order.</summary>
    public readonly uint X0 = x0, X1 = x1, X2 = x2, X3 = x3;
}

/// <summary>
/// Philox4x32-10 (Salmon et al., SC'11; Random123): a counter-based generator, so every random
/// number is a pure function of (seed, stream, element index) and comes out the same on every
/// backend, in every launch shape and launch order. Integer arithmetic only (32×32→64 products
/// through ulong), which every backend evaluates exactly.
/// </summary>
public static class Philox
{
    const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57;
    const uint W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    /// <summary>Philox4x32-10 of the 128-bit counter (c0..c3) under the 64-bit key (k0, k1), as in Random123.</summary>
    public static PhiloxBlock Generate(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        for (int round = 0; round < 10; round++)
        {
            if (round > 0)
            {
                k0 += W0;
                k1 += W1;
            }
            ulong p0 = (ulong)M0 * c0;
            ulong p1 = (ulong)M1 * c2;
            uint n0 = (uint)(p1 >> 32) ^ c1 ^ k0;
            uint n1 = (uint)p1;
            uint n2 = (uint)(p0 >> 32) ^ c3 ^ k1;
            uint n3 = (uint)p0;
            c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        }
        return new PhiloxBlock(c0, c1, c2, c3);
    }

    /// <summary>The engine's mapping: key = seed; counter = (index low, index high, stream low, stream high).</summary>
    public static PhiloxBlock Generate(ulong seed, ulong stream, ulong index) =>
        Generate((uint)index, (uint)(index >> 32), (uint)stream, (uint)(stream >> 32), (uint)seed, (uint)(seed >> 32));

    /// <summary>
    /// u = (k + ½)·2^−b in (0, 1), k the top b bits of hi:lo, b = T's fraction bits (23 float, 52 double).
    /// Every such u is exact in T, never 0 or 1, and 1 − u is in the same set. Built by Horner's
    /// rule from ½ because ILGPU cannot convert an integer to a generic T (T.CreateTruncating
    /// reflects on types): u = (…((½ + bit_b)/2 + bit_{b−1})/2 … + bit_1)/2, every step exact.
    /// </summary>
    public static T Unit<T>(uint hi, uint lo) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int size = Interop.SizeOf<T>();
        int bits = size == 4 ? 23 : size == 2 ? 10 : 52;
        ulong w = ((ulong)hi << 32) | lo;
        T half = Num<T>.Half;
        T u = half;
        for (int j = bits; j >= 1; j--)
            u = (((w >> (64 - j)) & 1) != 0 ? u + T.One : u) * half;
        return u;
    }

    /// <summary>√(−2 ln u1)·cos(2π u2), u1 = U(words 0, 2), u2 = U(words 1, 3): one N(0,1) sample per counter.</summary>
    public static T Gaussian<T>(ulong seed, ulong stream, ulong index) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var r = Generate(seed, stream, index);
        T u1 = Unit<T>(r.X0, r.X2);
        T u2 = Unit<T>(r.X1, r.X3);
        return T.Sqrt(-Num<T>.Two * T.Log(u1)) * T.Cos(Num<T>.Two * T.Pi * u2);
    }
}

/// <summary>
/// The Philox stream of a random launch as a function of the training step, stream = Key ^ (step &amp; Mask), evaluated in
/// the kernel from a step held in device memory: the launch's arguments are then the same at every step, which is what
/// lets a captured CUDA graph replay a training step. <see cref="Fixed"/> (Mask 0) ignores the step.
/// </summary>
/// <param name="key">The bits that do not depend on the step (the op's salt or stream number).</param>
/// <param name="mask">The bits of the step that enter the stream.</param>
public readonly struct StreamKey(ulong key, ulong mask)
{
    /// <summary>The step-independent bits and the mask of the step's bits.</summary>
    public readonly ulong Key = key, Mask = mask;

    /// <summary>A stream that is the same at every step.</summary>
    public static StreamKey Fixed(ulong stream) => new(stream, 0);

    /// <summary>Key ^ (step &amp; Mask).</summary>
    public ulong Of(ulong step) => Key ^ (step & Mask);
}

/// <summary>Random fills: element i depends on (seed, stream, i) only, never on the launch shape.</summary>
public static partial class RandomKernels
{
    /// <summary>y[i] = U(0,1) from Philox(seed, stream, i) words 0 (high) and 2 (low); never exactly 0 or 1</summary>
    public static void Uniform<T>(Index1D t, Loop loop, ArrayView<T> y, ulong seed, ulong stream)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)y.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                var r = Philox.Generate(seed, stream, (ulong)i);
                y[i] = Philox.Unit<T>(r.X0, r.X2);
            }
    }

    /// <summary>
    /// y[i] = mean + std·√(−2 ln u1)·cos(2π u2), u1 = U(words 0, 2), u2 = U(words 1, 3) of Philox(seed, stream, first + i),
    /// stream = key.Of(step[0]) (<paramref name="first"/>: the index of y[0] in a larger draw, so that a slice of a batch draws
    /// the batch's numbers; the step is read on the device, so that a captured launch draws the current step's numbers)
    /// </summary>
    public static void Normal<T>(Index1D t, Loop loop, ArrayView<T> y, ulong seed, StreamKey key, ArrayView<ulong> step, ulong first, T mean, T std)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)y.Length;
        ulong stream = key.Of(step[0]);
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++) y[i] = mean + std * Philox.Gaussian<T>(seed, stream, first + (ulong)i);
    }
}

/// <summary>The double-precision meaning of <see cref="RandomKernels"/>, from the same Philox words.</summary>
public static class RandomReference
{
    /// <summary>(k + ½)·2^−bits with k the top <paramref name="bits"/> bits of hi:lo.</summary>
    public static double Unit(uint hi, uint lo, int bits)
    {
        ulong k = (((ulong)hi << 32) | lo) >> (64 - bits);
        return (k + 0.5) * Math.Pow(2, -bits);
    }

    /// <summary>The uniform in (0, 1) of element <paramref name="i"/>: Unit(X0, X2, bits) of its Philox block.</summary>
    public static double Uniform(ulong seed, ulong stream, long i, int bits)
    {
        var r = Philox.Generate(seed, stream, (ulong)i);
        return Unit(r.X0, r.X2, bits);
    }

    /// <summary>mean + std·√(−2 log u1)·cos(2π u2), the Box–Muller normal of element <paramref name="i"/> (u1 from X0:X2, u2 from X1:X3).</summary>
    public static double Normal(ulong seed, ulong stream, long i, int bits, double mean, double std)
    {
        var r = Philox.Generate(seed, stream, (ulong)i);
        double u1 = Unit(r.X0, r.X2, bits), u2 = Unit(r.X1, r.X3, bits);
        return mean + std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
