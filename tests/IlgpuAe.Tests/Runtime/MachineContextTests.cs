using System.Globalization;
using IlgpuAe.Diagnostics;
using Xunit;
using static IlgpuAe.Tests.Support.CliHarness;

namespace IlgpuAe.Tests.Runtime;

/// <summary>The machine context every benchmark prints: /proc/cpuinfo read honestly, figures measured and sane.</summary>
public class MachineContextTests
{
    // Two logical CPUs of the VM these figures come from (flags shortened), and an AVX-512 part.
    const string Zen3Vm = """
        processor	: 0
        vendor_id	: AuthenticAMD
        cpu family	: 25
        model		: 1
        model name	: AMD EPYC
        flags		: fpu sse sse2 pni ssse3 fma sse4_1 sse4_2 avx f16c avx2 bmi2

        processor	: 1
        vendor_id	: AuthenticAMD
        cpu family	: 25
        model		: 1
        model name	: AMD EPYC
        flags		: fpu sse sse2 pni ssse3 fma sse4_1 sse4_2 avx f16c avx2 bmi2
        """;

    const string Zen5 = """
        processor	: 0
        vendor_id	: AuthenticAMD
        cpu family	: 26
        model		: 2
        model name	: AMD EPYC 9B45
        flags		: fpu sse4_2 avx fma avx2 avx512f avx512dq avx512bw avx512vl avx512_bf16
        """;

    [Fact]
    public void Cpuinfo_without_avx512_flags_reads_as_avx2_only()
    {
        var cpu = CpuInfo.Parse(Zen3Vm);
        Assert.Equal("AMD EPYC", cpu.ModelName);
        Assert.Equal("AuthenticAMD", cpu.Vendor);
        Assert.Equal(25, cpu.Family);
        Assert.Equal(1, cpu.ModelNumber);
        Assert.Equal(2, cpu.LogicalCpus);
        Assert.False(cpu.HasAvx512);
        Assert.Equal("sse4_2 avx fma avx2", cpu.SimdSummary);
    }

    [Fact]
    public void Cpuinfo_with_avx512_flags_says_so()
    {
        var cpu = CpuInfo.Parse(Zen5);
        Assert.Equal(26, cpu.Family);
        Assert.Equal(2, cpu.ModelNumber);
        Assert.Equal(1, cpu.LogicalCpus);
        Assert.True(cpu.HasAvx512);
        Assert.Equal("sse4_2 avx fma avx2 avx512f avx512dq avx512bw avx512vl avx512_bf16", cpu.SimdSummary);
    }

    [Fact]
    public void Cpuinfo_missing_keys_stay_unknown_rather_than_guessed()
    {
        var cpu = CpuInfo.Parse("processor : 0\ngarbage line without colon\n");
        Assert.Null(cpu.Family);
        Assert.Null(cpu.ModelNumber);
        Assert.Equal("unknown model", cpu.ModelName);
        Assert.False(cpu.HasAvx512);
        Assert.StartsWith("none of", cpu.SimdSummary);
    }

    [Fact]
    public void Measured_peak_and_copies_are_positive_and_finite()
    {
        var m = MachineContext.Measure([4096, 1 << 16], repeats: 2, fmaIterations: 1000);
        Assert.True(double.IsFinite(m.FmaGflops) && m.FmaGflops > 0, m.FmaGflops.ToString(CultureInfo.InvariantCulture));
        Assert.Equal([4096L, 1L << 16], m.Copies.Select(c => c.Bytes));
        Assert.All(m.Copies, c => Assert.True(double.IsFinite(c.Gbs) && c.Gbs > 0, c.ToString()));
        Assert.Equal(Environment.ProcessorCount, m.Cores);
        // A row moving 10 KB is nearer the 4 KiB copy (8 KiB working set); one moving 1 MB nearer the 64 KiB one.
        Assert.Equal(4096, m.NearestCopy(10_000).Bytes);
        Assert.Equal(1 << 16, m.NearestCopy(1_000_000).Bytes);
        // 32 KiB moved sits halfway (log scale) between 8 KiB and 128 KiB working sets: the larger copy is the fair one.
        Assert.Equal(1 << 16, m.NearestCopy(32 * 1024).Bytes);
        Assert.Contains(m.Lines(), l => l.StartsWith("fma peak (measured): ", StringComparison.Ordinal));
    }

    [Fact]
    public void Measure_refuses_sizes_it_cannot_copy()
    {
        Assert.Throws<IlgpuAeException>(() => MachineContext.Measure([0]));
        Assert.Throws<IlgpuAeException>(() => MachineContext.Measure([4096], repeats: 0));
    }

    [Fact]
    public void Bench_prints_the_machine_context_and_the_share_of_peak_and_copy()
    {
        var r = Run("bench", "--backend", "cpu", "--gemm", "8x12x16", "--elements", "1000", "--batches", "4",
            "--repeat", "1", "--steps", "1", "--models", "ae", "--context-copy-kib", "4,64");
        Assert.True(r.Code == 0, r.Err);
        foreach (var s in new[] { "cpu: ", "simd flags: ", "fma peak (measured): ", "host copy (measured", "4 KiB", "64 KiB", "of peak", "of host copy" })
            Assert.Contains(s, r.Out);
        Assert.Contains(File.Exists("/proc/cpuinfo") && File.ReadAllText("/proc/cpuinfo").Contains("avx512f") ? "AVX-512 present" : "AVX-512 absent",
            r.Out, StringComparison.Ordinal);
        var peak = r.Out.Split('\n').First(l => l.StartsWith("fma peak", StringComparison.Ordinal)).Split(' ')[3];
        Assert.True(double.Parse(peak, CultureInfo.InvariantCulture) > 0, peak);
        // The GEMM row ends with its share of the peak, a percentage.
        var gemm = r.Out.Split('\n').First(l => l.TrimStart().StartsWith("gemm NT", StringComparison.Ordinal));
        Assert.EndsWith("%", gemm.TrimEnd());
    }

    [Fact]
    public void Bench_without_gemm_runs_the_default_shapes()
    {
        // --gemm left out must mean the default shapes, not no GEMM rows; a tiny K keeps it fast.
        var r = Run("bench", "--backend", "cpu", "--elements", "1000", "--batches", "4", "--repeat", "1", "--steps", "1",
            "--models", "ae", "--context-copy-kib", "4,64");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("1024x400x784", r.Out);
        Assert.Contains("128x400x784", r.Out);
    }

    [Fact]
    public void Bench_refuses_a_zero_copy_size()
    {
        OneClearError(Run("bench", "--backend", "cpu", "--context-copy-kib", "0"), "--context-copy-kib");
    }
}
