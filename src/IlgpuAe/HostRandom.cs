namespace IlgpuAe;

/// <summary>
/// Counter-based random numbers for host-side work (initialisation, data order): a value is a
/// pure function of (seed, stream, index), so nothing depends on call order or thread count.
/// SplitMix64's finaliser is enough here; device-side randomness uses Philox in the kernels.
/// </summary>
public static class HostRandom
{
    /// <summary>SplitMix64's step and finaliser: a bijection of 64-bit words that scatters every input bit.</summary>
    public static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>64 random bits, a pure function of (seed, stream, index).</summary>
    public static ulong Bits(ulong seed, ulong stream, ulong index) =>
        Mix(Mix(Mix(seed) ^ stream) ^ index);

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public static double Uniform(ulong seed, ulong stream, ulong index) =>
        (Bits(seed, stream, index) >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// N(0, 1) by Box–Muller from Philox(seed, stream, index): √(−2 log u1)·cos(2π u2) with u1 from words
    /// X0:X2 and u2 from X1:X3, each (k + ½)·2^−52. The same values as the device's Philox normals in double,
    /// for host-side draws that must match them (mixture-prior initialisation, diagnostics).
    /// </summary>
    public static double PhiloxNormal(ulong seed, ulong stream, long index)
    {
        var r = IlgpuAe.Kernels.Philox.Generate(seed, stream, (ulong)index);
        double u1 = Unit52(r.X0, r.X2), u2 = Unit52(r.X1, r.X3);
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    static double Unit52(uint hi, uint lo) => (((((ulong)hi << 32) | lo) >> 12) + 0.5) * Math.Pow(2, -52);
}
