using System.Globalization;
using IlgpuAe.Training;
using IlgpuAe.Diagnostics;

namespace IlgpuAe.Cli.Commands;

/// <summary>`ilgpu-ae check`: the kernels and a short training on one device against the double references (<see cref="BackendCheck"/>).</summary>
public static class CheckCommand
{
    public const string Help = """
        usage: ilgpu-ae check [--backend auto|cuda|opencl|cpu]

        Runs GEMM in every transpose (and with its bias + ReLU epilogue), every activation forward and
        backward, the Philox normal fill and Adam against double-precision references, then trains an
        autoencoder and a VAE for one short epoch and checks that their test loss falls. Prints one line
        per check and exits 1 if any fails: the test suite's device checks for a host without a .NET SDK
        (a self-contained publish, perf/publish-gpu.sh).
        """;

    public static int Run(string[] argv, TextWriter stdout)
    {
        var args = Args.Parse("check", argv, ["backend"], []);
        var backend = BackendNames.Parse(args.String("backend", "auto"));
        using var device = Device.Open(backend);
        stdout.WriteLine($"ilgpu-ae check: {device.Name} ({Device.BackendName(device.Backend)})");
        stdout.WriteLine($"{"check",-46} {"result",-6} {"error",10} {"allowed",9} {"ms",8}  how");
        var results = BackendCheck.Run(device, r => stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{r.Name,-46} {(r.Passed ? "pass" : "FAIL"),-6} {r.Error,10:G3} {r.Tolerance,9:G3} {r.Milliseconds,8:F0}  {r.Detail}")));
        int failed = results.Count(r => !r.Passed);
        if (failed > 0)
            throw new IlgpuAeException($"{failed} of {results.Count} checks failed on {device.Name}");
        stdout.WriteLine($"all {results.Count} checks passed");
        return 0;
    }
}
