using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace IlgpuAe.Perf;

public static class Program
{
    /// <summary>
    /// BenchmarkDotNet's own command line (--filter, --job short, --inProcess, ...). --inProcess runs
    /// the benchmarks inside this process, for hosts where BenchmarkDotNet cannot build a child project.
    /// </summary>
    public static int Main(string[] args)
    {
        // The context every figure below reads against, measured in this process before the benchmarks start.
        foreach (var line in IlgpuAe.Diagnostics.MachineContext.Measure().Lines()) Console.WriteLine(line);
        if (!CudaProbe.Available) Console.WriteLine($"CUDA rows left out: {CudaProbe.Reason}");
        var config = DefaultConfig.Instance.WithOptions(ConfigOptions.DisableOptimizationsValidator);
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }
}
