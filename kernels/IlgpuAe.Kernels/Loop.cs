namespace IlgpuAe.Kernels;

/// <summary>
/// How the threads of a 1-D launch walk n elements. Thread t owns runs of <see cref="Span"/>
/// contiguous elements starting at t*Span, then every Threads*Span after that.
/// Span = 1 is a grid-stride loop (coalesced on a GPU); Span = ceil(n / Threads) gives each
/// thread one contiguous chunk (what ILGPU's CPU accelerator needs, where a simulated thread
/// costs about a microsecond). The engine picks the shape in one place; kernels only obey it.
/// </summary>
public readonly struct Loop
{
    /// <summary>Number of threads in the launch.</summary>
    public readonly int Threads;
    /// <summary>Contiguous elements per run (1: a grid-stride loop).</summary>
    public readonly int Span;

    /// <summary>A walk of <paramref name="threads"/> threads in runs of <paramref name="span"/> elements; see <see cref="Chunked"/> and <see cref="GridStride"/>.</summary>
    public Loop(int threads, int span)
    {
        Threads = threads;
        Span = span;
    }

    /// <summary>Start of the first run of thread <paramref name="t"/>.</summary>
    public int First(int t) => t * Span;

    /// <summary>Distance between two runs of the same thread.</summary>
    public int Step => Threads * Span;

    /// <summary>
    /// One past the last element of the run that starts at <paramref name="first"/>, for n elements. Every kernel walks
    /// its elements as <c>for (int b = loop.First(t); b &lt; n; b += loop.Step) for (int i = b, e = loop.End(b, n); i &lt; e; i++)</c>.
    /// </summary>
    public int End(int first, int n) => Math.Min(first + Span, n);

    /// <summary>One contiguous chunk per thread, at most <paramref name="threads"/> threads.</summary>
    public static Loop Chunked(long n, int threads)
    {
        if (n <= 0) return new Loop(1, 1);
        int t = (int)Math.Min(threads, n);
        int span = (int)((n + t - 1) / t);
        return new Loop(t, span);
    }

    /// <summary>A grid-stride loop over at most <paramref name="threads"/> threads.</summary>
    public static Loop GridStride(long n, int threads) =>
        new((int)Math.Max(1, Math.Min(threads, n)), 1);
}
