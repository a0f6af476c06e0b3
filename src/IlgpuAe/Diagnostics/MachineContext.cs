using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace IlgpuAe.Diagnostics;

/// <summary>
/// What a benchmark figure should be read against, measured in the same run: the CPU as /proc/cpuinfo names it,
/// the cores .NET may use, the FMA peak of a plain SIMD loop on every core and the host copy bandwidth at a size
/// that stays in cache and one that does not. A GFLOP/s figure without the peak beside it says little, and the
/// peak of the name on the box (the brochure) is not the peak of the VM it runs in.
/// </summary>
/// <param name="Cpu">The parsed /proc/cpuinfo, or null where there is none (not Linux).</param>
/// <param name="Cores">Logical processors this process may use (<see cref="Environment.ProcessorCount"/>).</param>
/// <param name="FmaGflops">Best of the repeats of the FMA loop on all cores, 2 flops per lane per FMA.</param>
/// <param name="FmaKind">The instruction the loop used, e.g. "Vector256 FMA (AVX2)".</param>
/// <param name="Copies">The host copy at each measured buffer size, all cores.</param>
public sealed record MachineContext(CpuInfo? Cpu, int Cores, double FmaGflops, string FmaKind, IReadOnlyList<CopyBandwidth> Copies)
{
    /// <summary>1 MiB (fits the L2 or L3 of any current server core) and 256 MiB (fits no cache).</summary>
    public static readonly long[] DefaultCopyBytes = [1L << 20, 256L << 20];

    /// <summary>Measures the context: a fraction of a second for the FMA loop, about a second for the copies at the default sizes.</summary>
    /// <param name="copyBytes">Buffer sizes of the copy (source and destination each this size); <see cref="DefaultCopyBytes"/> when null.</param>
    /// <param name="repeats">Timed repeats of each measurement; the best is kept (noise only ever slows a loop down).</param>
    /// <param name="fmaIterations">Loop trips per core per repeat, each trip 12 independent FMAs.</param>
    public static MachineContext Measure(IReadOnlyList<long>? copyBytes = null, int repeats = 5, int fmaIterations = 1 << 20)
    {
        if (repeats < 1) throw new IlgpuAeException($"the machine context needs at least one repeat, got {repeats}");
        if (fmaIterations < 1) throw new IlgpuAeException($"the FMA loop needs at least one iteration, got {fmaIterations}");
        var sizes = copyBytes ?? DefaultCopyBytes;
        if (sizes.Count == 0 || sizes.Any(s => s < 64 || s > (1L << 31)))
            throw new IlgpuAeException("every copy size must be between 64 bytes and 2 GiB");
        CpuInfo? cpu = null;
        try
        {
            if (File.Exists("/proc/cpuinfo")) cpu = CpuInfo.Parse(File.ReadAllText("/proc/cpuinfo"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            cpu = null; // an unreadable cpuinfo leaves the CPU unnamed; the measured figures still stand
        }
        int cores = Environment.ProcessorCount;
        var (gflops, kind) = FmaPeak(cores, repeats, fmaIterations);
        var copies = sizes.Select(s => new CopyBandwidth(s, CopyGbs(cores, s, repeats))).ToArray();
        return new MachineContext(cpu, cores, gflops, kind, copies);
    }

    /// <summary>
    /// The copy whose working set (source plus destination) is nearest, on a log scale, to <paramref name="bytes"/>;
    /// a tie goes to the larger copy, since a working set halfway between a cached and an uncached one rarely stays cached.
    /// </summary>
    public CopyBandwidth NearestCopy(double bytes) => Copies
        .OrderBy(c => Math.Round(Math.Abs(Math.Log(Math.Max(bytes, 1) / (2.0 * c.Bytes))), 9))
        .ThenByDescending(c => c.Bytes).First();

    /// <summary>The header lines a benchmark prints before its table.</summary>
    public IReadOnlyList<string> Lines()
    {
        var c = CultureInfo.InvariantCulture;
        var lines = new List<string>();
        if (Cpu is { } p)
        {
            lines.Add(string.Create(c, $"cpu: {p.ModelName} ({p.Vendor}), family {Show(p.Family)} model {Show(p.ModelNumber)}, {p.LogicalCpus} logical CPUs in /proc/cpuinfo, {Cores} usable"));
            lines.Add($"simd flags: {p.SimdSummary}; AVX-512 {(p.HasAvx512 ? "present" : "absent")}");
        }
        else lines.Add(string.Create(c, $"cpu: /proc/cpuinfo not readable; {Cores} usable cores"));
        lines.Add(string.Create(c, $"fma peak (measured): {FmaGflops:F1} GFLOP/s on {Cores} cores, {FmaKind}, 12 independent accumulators, best of repeats"));
        lines.Add("host copy (measured, all cores, read+write bytes): " +
            string.Join(", ", Copies.Select(x => string.Create(c, $"{FormatBytes(x.Bytes)} {x.Gbs:F1} GB/s"))));
        return lines;
    }

    static string Show(int? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "?";

    /// <summary>"1 MiB", "256 MiB", "512 KiB", "4096 B".</summary>
    public static string FormatBytes(long b)
    {
        var c = CultureInfo.InvariantCulture;
        if (b >= 1 << 20 && b % (1 << 20) == 0) return (b >> 20).ToString(c) + " MiB";
        if (b >= 1 << 10 && b % (1 << 10) == 0) return (b >> 10).ToString(c) + " KiB";
        return b.ToString(c) + " B";
    }

    static (double Gflops, string Kind) FmaPeak(int cores, int repeats, int iterations)
    {
        // Each lane of each accumulator is one FMA chain; 12 chains cover the FMA latency (4-5 cycles) times the
        // FMA ports (2) of current x86 cores, so the loop is bound by throughput, not latency.
        (Func<int, float> body, int lanes, string kind) = Vector512.IsHardwareAccelerated && Avx512F.IsSupported
            ? (Fma512, 16, "Vector512 FMA (AVX-512F)")
            : Vector256.IsHardwareAccelerated && Fma.IsSupported
                ? (Fma256, 8, "Vector256 FMA (AVX2+FMA)")
                : ((Func<int, float>)Fma128, 4, Vector128.IsHardwareAccelerated ? "Vector128 fused multiply-add" : "Vector128 multiply-add (not hardware accelerated)");
        double flops = 2.0 * 12 * lanes * (double)iterations * cores;
        var sink = new float[cores];
        double best = double.MaxValue;
        for (int r = 0; r <= repeats; r++) // trip 0 warms up the JIT (tiering) and the cores' clocks
        {
            long start = Stopwatch.GetTimestamp();
            Parallel.For(0, cores, new ParallelOptions { MaxDegreeOfParallelism = cores }, w => sink[w] += body(iterations));
            double s = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (r > 0) best = Math.Min(best, s);
        }
        if (!sink.All(float.IsFinite)) throw new IlgpuAeException("the FMA loop's accumulators went non-finite"); // keeps the sums live, too
        return (flops / best / 1e9, kind);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static float Fma256(int n)
    {
        var a = Vector256.Create(0.999999f);
        var b = Vector256.Create(1e-7f);
        Vector256<float> x0 = Vector256.Create(1f), x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0,
            x6 = x0, x7 = x0, x8 = x0, x9 = x0, x10 = x0, x11 = x0;
        for (int i = 0; i < n; i++)
        {
            x0 = Fma.MultiplyAdd(x0, a, b); x1 = Fma.MultiplyAdd(x1, a, b); x2 = Fma.MultiplyAdd(x2, a, b);
            x3 = Fma.MultiplyAdd(x3, a, b); x4 = Fma.MultiplyAdd(x4, a, b); x5 = Fma.MultiplyAdd(x5, a, b);
            x6 = Fma.MultiplyAdd(x6, a, b); x7 = Fma.MultiplyAdd(x7, a, b); x8 = Fma.MultiplyAdd(x8, a, b);
            x9 = Fma.MultiplyAdd(x9, a, b); x10 = Fma.MultiplyAdd(x10, a, b); x11 = Fma.MultiplyAdd(x11, a, b);
        }
        return Vector256.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static float Fma512(int n)
    {
        var a = Vector512.Create(0.999999f);
        var b = Vector512.Create(1e-7f);
        Vector512<float> x0 = Vector512.Create(1f), x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0,
            x6 = x0, x7 = x0, x8 = x0, x9 = x0, x10 = x0, x11 = x0;
        for (int i = 0; i < n; i++)
        {
            x0 = Avx512F.FusedMultiplyAdd(x0, a, b); x1 = Avx512F.FusedMultiplyAdd(x1, a, b); x2 = Avx512F.FusedMultiplyAdd(x2, a, b);
            x3 = Avx512F.FusedMultiplyAdd(x3, a, b); x4 = Avx512F.FusedMultiplyAdd(x4, a, b); x5 = Avx512F.FusedMultiplyAdd(x5, a, b);
            x6 = Avx512F.FusedMultiplyAdd(x6, a, b); x7 = Avx512F.FusedMultiplyAdd(x7, a, b); x8 = Avx512F.FusedMultiplyAdd(x8, a, b);
            x9 = Avx512F.FusedMultiplyAdd(x9, a, b); x10 = Avx512F.FusedMultiplyAdd(x10, a, b); x11 = Avx512F.FusedMultiplyAdd(x11, a, b);
        }
        return Vector512.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static float Fma128(int n)
    {
        var a = Vector128.Create(0.999999f);
        var b = Vector128.Create(1e-7f);
        Vector128<float> x0 = Vector128.Create(1f), x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0,
            x6 = x0, x7 = x0, x8 = x0, x9 = x0, x10 = x0, x11 = x0;
        for (int i = 0; i < n; i++)
        {
            x0 = Vector128.FusedMultiplyAdd(x0, a, b); x1 = Vector128.FusedMultiplyAdd(x1, a, b); x2 = Vector128.FusedMultiplyAdd(x2, a, b);
            x3 = Vector128.FusedMultiplyAdd(x3, a, b); x4 = Vector128.FusedMultiplyAdd(x4, a, b); x5 = Vector128.FusedMultiplyAdd(x5, a, b);
            x6 = Vector128.FusedMultiplyAdd(x6, a, b); x7 = Vector128.FusedMultiplyAdd(x7, a, b); x8 = Vector128.FusedMultiplyAdd(x8, a, b);
            x9 = Vector128.FusedMultiplyAdd(x9, a, b); x10 = Vector128.FusedMultiplyAdd(x10, a, b); x11 = Vector128.FusedMultiplyAdd(x11, a, b);
        }
        return Vector128.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11);
    }

    /// <summary>
    /// Every core copies its own slice; a small buffer is copied many times per repeat so a repeat moves about
    /// 256 MiB whatever the size, which keeps the Parallel.For start-up out of the cached figure.
    /// </summary>
    static double CopyGbs(int cores, long bytes, int repeats)
    {
        var src = GC.AllocateUninitializedArray<byte>(checked((int)bytes));
        var dst = GC.AllocateUninitializedArray<byte>(checked((int)bytes));
        new Random(1).NextBytes(src);
        Array.Fill(dst, (byte)0); // faults the pages in outside the timing
        int trips = (int)Math.Max(1, (256L << 20) / bytes);
        long slice = (bytes / cores + 63) / 64 * 64;
        double best = double.MaxValue;
        for (int r = 0; r <= repeats; r++)
        {
            long start = Stopwatch.GetTimestamp();
            Parallel.For(0, cores, new ParallelOptions { MaxDegreeOfParallelism = cores }, w =>
            {
                long lo = Math.Min(bytes, w * slice), hi = Math.Min(bytes, lo + slice);
                if (hi <= lo) return;
                var from = src.AsSpan((int)lo, (int)(hi - lo));
                var to = dst.AsSpan((int)lo, (int)(hi - lo));
                for (int t = 0; t < trips; t++) from.CopyTo(to);
            });
            double s = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (r > 0) best = Math.Min(best, s);
        }
        if (dst[^1] != src[^1]) throw new IlgpuAeException("the host copy of the machine context did not copy");
        return 2.0 * bytes * trips / best / 1e9;
    }
}

/// <summary>The host copy at one buffer size.</summary>
/// <param name="Bytes">Size of the source (and of the destination).</param>
/// <param name="Gbs">Bytes read plus bytes written per second, in 1e9.</param>
public sealed record CopyBandwidth(long Bytes, double Gbs);

/// <summary>The first processor of /proc/cpuinfo: enough to say which CPU a figure was measured on.</summary>
public sealed record CpuInfo(string ModelName, string Vendor, int? Family, int? ModelNumber, int LogicalCpus, IReadOnlySet<string> Flags)
{
    static readonly string[] SimdFlags = ["sse4_2", "avx", "fma", "avx2", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "amx_tile"];

    /// <summary>AVX-512 Foundation, the flag every AVX-512 CPU reports.</summary>
    public bool HasAvx512 => Flags.Contains("avx512f");

    /// <summary>The SIMD flags that matter for these kernels, those present in order, e.g. "sse4_2 avx fma avx2".</summary>
    public string SimdSummary
    {
        get
        {
            var present = SimdFlags.Where(Flags.Contains).ToArray();
            return present.Length == 0 ? "none of " + string.Join(" ", SimdFlags) : string.Join(" ", present);
        }
    }

    /// <summary>
    /// Parses the text of /proc/cpuinfo (x86 layout: "key\t: value" lines, one block per logical CPU). Keys it
    /// does not find stay unknown ("?" or null) rather than guessed; ARM's "Features" stands in for "flags".
    /// </summary>
    public static CpuInfo Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var first = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int processors = 0;
        foreach (var raw in text.Split('\n'))
        {
            int colon = raw.IndexOf(':');
            if (colon < 0) continue;
            string key = raw[..colon].Trim(), value = raw[(colon + 1)..].Trim();
            if (key.Equals("processor", StringComparison.OrdinalIgnoreCase)) processors++;
            first.TryAdd(key, value);
        }
        string? Get(string k) => first.TryGetValue(k, out var v) && v.Length > 0 ? v : null;
        int? Int(string k) => int.TryParse(Get(k), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : null;
        var flags = (Get("flags") ?? Get("Features") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        return new CpuInfo(Get("model name") ?? "unknown model", Get("vendor_id") ?? Get("CPU implementer") ?? "unknown vendor",
            Int("cpu family"), Int("model"), processors, flags);
    }
}
