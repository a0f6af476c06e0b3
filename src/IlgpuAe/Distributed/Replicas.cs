using System.Numerics;
using System.Runtime.InteropServices;

namespace IlgpuAe.Distributed;

/// <summary>
/// Checks that every rank holds the same parameter bits: each rank hashes its parameters, the hashes are gathered by one
/// sum (each rank fills its own slots of a zero vector, so the sum is exact) and compared.
/// </summary>
public static class Replicas
{
    /// <summary>Throws <see cref="IlgpuAeException"/> naming <paramref name="when"/> and the ranks that differ from rank 0.</summary>
    public static void Verify<T>(IDataParallel parallel, ParameterStore<T> parameters, string when) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ulong hash = Hash(MemoryMarshal.AsBytes(parameters.Download().AsSpan()));
        var slots = new double[2 * parallel.Ranks];
        // Two 32-bit halves: each is exact in a double.
        slots[2 * parallel.Rank] = hash >> 32;
        slots[2 * parallel.Rank + 1] = (uint)hash;
        parallel.Sum(slots);
        var differ = Enumerable.Range(1, parallel.Ranks - 1)
            .Where(r => slots[2 * r] != slots[0] || slots[2 * r + 1] != slots[1]).ToList();
        if (differ.Count > 0)
            throw new IlgpuAeException($"the replicas differ {when}: the parameters of rank{(differ.Count > 1 ? "s" : "")} " +
                $"{string.Join(", ", differ)} are not those of rank 0 (the all-reduce did not give every rank the same bits)");
    }

    /// <summary>FNV-1a over 64-bit words, then the tail bytes: a stable hash (string.GetHashCode is randomised per process).</summary>
    public static ulong Hash(ReadOnlySpan<byte> bytes)
    {
        ulong h = 14695981039346656037UL;
        var words = MemoryMarshal.Cast<byte, ulong>(bytes);
        foreach (ulong w in words) h = (h ^ w) * 1099511628211UL;
        for (int i = words.Length * 8; i < bytes.Length; i++) h = (h ^ bytes[i]) * 1099511628211UL;
        return h;
    }
}
