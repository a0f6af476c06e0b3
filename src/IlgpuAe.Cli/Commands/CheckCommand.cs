using System.Globalization;
using IlgpuAe.Training;
using IlgpuAe.Diagnostics;

namespace IlgpuAe.Cli.Commands;

/// <summary>`ilgpu-ae check`: the kernels and a short training on one device against the double references (<see cref="BackendCheck"/>).</summary>
public sealed class CheckCommand : CliCommand
{
    readonly CliOption<string?> _backend = Opt.Text("backend", "device", "auto|cuda|opencl|cpu", "auto");

    public override string Name => "check";

    public override string Description => "kernels and a short training on one device against double-precision references";

    public override string Remarks => """
        Runs GEMM in every transpose (and with its bias + ReLU epilogue), every activation forward and
        backward, the Philox normal fill and Adam against double-precision references, then trains an
        autoencoder and a VAE for one short epoch and checks that their test loss falls. Prints one line
        per check and exits 1 if any fails: the test suite's device checks for a host without a .NET SDK
        (a self-contained publish, perf/publish-gpu.sh).
        """;

    protected override IEnumerable<ICliOption> Options => [_backend];

    static readonly RowTable.Column[] Columns =
        [new("check", 46), new("result", 6), new("error", 10, true), new("allowed", 9, true), new("ms", 8, true), new("how", 0)];

    public override int Run(IReadOnlyList<string> argv, Io io) => Parse(Declare(argv), argv, io, args =>
    {
        var backend = BackendNames.Parse(args.Get(_backend)!);
        using var device = Device.Open(backend);
        io.Out.WriteLine($"ilgpu-ae check: {device.Name} ({Device.BackendName(device.Backend)})");
        IReadOnlyList<CheckResult> results = [];
        RowTable.Write(io, Columns, row => results = BackendCheck.Run(device, r => row(
        [
            r.Name, r.Passed ? "pass" : "FAIL", Format(r.Error, "G3"), Format(r.Tolerance, "G3"), Format(r.Milliseconds, "F0"), r.Detail,
        ])));
        int failed = results.Count(r => !r.Passed);
        if (failed > 0)
            throw new IlgpuAeException($"{failed} of {results.Count} checks failed on {device.Name}");
        io.Out.WriteLine($"all {results.Count} checks passed");
        return 0;
    });

    static string Format(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
