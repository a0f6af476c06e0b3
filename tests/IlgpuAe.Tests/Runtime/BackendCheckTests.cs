using IlgpuAe.Kernels;
using IlgpuAe.Training;
using Xunit;
using IlgpuAe.Diagnostics;

namespace IlgpuAe.Tests.Runtime;

/// <summary>The same device checks on the CPU accelerator, and what a failure looks like.</summary>
public class BackendCheckTests
{
    /// <summary>Fails naming every check that did not pass, with its error, tolerance and detail.</summary>
    internal static void AssertAllPass(IReadOnlyList<CheckResult> results)
    {
        Assert.NotEmpty(results);
        var failed = results.Where(r => !r.Passed).Select(r => $"{r.Name}: error {r.Error:G3} > {r.Tolerance:G3} ({r.Detail})").ToList();
        Assert.True(failed.Count == 0, string.Join("; ", failed));
    }

    [Fact]
    public void Every_backend_check_passes_on_the_cpu_accelerator_and_covers_gemm_activations_adam_and_training()
    {
        var results = BackendCheck.Run(TestDevice.Cpu);
        AssertAllPass(results);
        Assert.Equal(4, results.Count(r => r.Name.StartsWith("gemm ", StringComparison.Ordinal) && !r.Name.Contains("epilogue")));
        Assert.Equal(Enum.GetValues<Activation>().Length, results.Count(r => r.Name.StartsWith("activation ", StringComparison.Ordinal)));
        Assert.Contains(results, r => r.Name.StartsWith("Adam", StringComparison.Ordinal));
        Assert.Contains(results, r => r.Name.StartsWith("vae trains", StringComparison.Ordinal) && r.Error < 1);
        // The errors are real measurements, not placeholders: the float kernels are not bit-exact against double.
        Assert.Contains(results, r => r.Name.StartsWith("gemm ", StringComparison.Ordinal) && r.Error > 0);
    }
}
