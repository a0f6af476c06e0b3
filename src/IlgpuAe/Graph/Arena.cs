namespace IlgpuAe.Graph;

/// <summary>
/// Places buffers with known lifetimes [First, Last] (in plan steps) into one flat block so that
/// buffers alive at the same time never overlap, and buffers that never meet share memory.
/// First fit in order of birth: simple, and within a few percent of optimal on layer chains.
/// </summary>
public static class Arena
{
    /// <summary>Offsets are multiples of this many elements, so that every buffer starts on a 64-byte line.</summary>
    public const long Alignment = 16;

    /// <summary>One buffer to place.</summary>
    /// <param name="Length">Elements (a zero length still gets one aligned slot).</param>
    /// <param name="First">Plan step where the buffer is first written.</param>
    /// <param name="Last">Plan step where it is last read (inclusive).</param>
    public readonly record struct Request(long Length, int First, int Last);

    /// <summary>Returns an offset per request and the total length of the block.</summary>
    public static (long[] Offsets, long Total) Place(IReadOnlyList<Request> requests)
    {
        var offsets = new long[requests.Count];
        var placed = new List<int>();
        long total = 0;
        var order = Enumerable.Range(0, requests.Count)
            .OrderBy(i => requests[i].First).ThenByDescending(i => requests[i].Length).ToList();
        foreach (int i in order)
        {
            var r = requests[i];
            long length = RoundUp(Math.Max(1, r.Length));
            var busy = placed
                .Where(j => requests[j].First <= r.Last && r.First <= requests[j].Last)
                .Select(j => (Start: offsets[j], End: offsets[j] + RoundUp(Math.Max(1, requests[j].Length))))
                .OrderBy(b => b.Start)
                .ToList();
            long at = 0;
            foreach (var b in busy)
            {
                if (at + length <= b.Start) break;
                at = Math.Max(at, b.End);
            }
            offsets[i] = at;
            placed.Add(i);
            total = Math.Max(total, at + length);
        }
        return (offsets, total);
    }

    static long RoundUp(long n) => (n + Alignment - 1) / Alignment * Alignment;
}
