using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// One kernel family, one set of names: for every <c>XKernels</c> class of the kernels assembly there is an
/// <c>XReference</c> beside it in <c>kernels/IlgpuAe.Kernels/X.cs</c>, a test class <c>XKernelTests</c> in
/// <c>tests/IlgpuAe.Tests/Kernels/XKernelTests.cs</c> and a benchmark class <c>XBenchmarks</c> in
/// <c>perf/IlgpuAe.Perf/XBenchmarks.cs</c>, so that a family cannot land without them.
/// </summary>
public sealed class KernelFamilyTests
{
    static readonly Assembly KernelAssembly = typeof(Loop).Assembly;

    /// <summary>X for every public XKernels class of the kernels assembly.</summary>
    public static IReadOnlyList<string> Families() => FamiliesOf(KernelAssembly);

    static IReadOnlyList<string> FamiliesOf(Assembly kernels) =>
        kernels.GetExportedTypes()
            .Where(t => t.IsClass && t.Name.EndsWith("Kernels", StringComparison.Ordinal) && t.Name.Length > "Kernels".Length)
            .Select(t => t.Name[..^"Kernels".Length])
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>What family <paramref name="x"/> lacks, one line each (empty when it is complete).</summary>
    public static IEnumerable<string> Missing(string x, Assembly kernels, Assembly tests, Assembly benchmarks, string? repoRoot)
    {
        if (kernels.GetType($"IlgpuAe.Kernels.{x}Reference") is null)
            yield return $"{x}: no double reference IlgpuAe.Kernels.{x}Reference beside {x}Kernels";
        if (tests.GetType($"IlgpuAe.Tests.Kernels.{x}KernelTests") is not { } testClass)
            yield return $"{x}: no test class IlgpuAe.Tests.Kernels.{x}KernelTests";
        else if (!testClass.GetMethods().Any(m => m.GetCustomAttributes<FactAttribute>().Any()))
            yield return $"{x}: {x}KernelTests has no test";
        if (benchmarks.GetType($"IlgpuAe.Perf.{x}Benchmarks") is not { } benchClass)
            yield return $"{x}: no benchmark class IlgpuAe.Perf.{x}Benchmarks";
        else if (!benchClass.GetMethods().Any(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null && m.DeclaringType == benchClass))
            yield return $"{x}: {x}Benchmarks declares no [Benchmark] of its own";
        if (repoRoot is null) yield break;
        foreach (var file in new[] { $"kernels/IlgpuAe.Kernels/{x}.cs", $"tests/IlgpuAe.Tests/Kernels/{x}KernelTests.cs", $"perf/IlgpuAe.Perf/{x}Benchmarks.cs" })
            if (!File.Exists(Path.Combine(repoRoot, file)))
                yield return $"{x}: no file {file}";
    }

    static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "IlgpuAe.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no IlgpuAe.sln above {AppContext.BaseDirectory}: run the tests from the repository");
    }

    [Fact]
    public void Every_kernel_family_has_its_reference_test_class_and_benchmark_class_under_its_own_name()
    {
        var missing = Families()
            .SelectMany(x => Missing(x, KernelAssembly, typeof(KernelFamilyTests).Assembly, typeof(IlgpuAe.Perf.CudaProbe).Assembly, RepoRoot()))
            .ToList();
        Assert.True(missing.Count == 0, "kernel families with pieces missing (see README, Architecture: \"A new kernel family\"):\n" + string.Join("\n", missing));
    }

    [Fact]
    public void The_families_are_found_by_name()
    {
        var families = Families();
        Assert.Contains("Gemm", families);
        Assert.Contains("Activation", families);
        Assert.Contains("Contractive", families);
        Assert.DoesNotContain("Cpu", families); // CPU bodies live beside their family, not in a family of their own
    }
}
