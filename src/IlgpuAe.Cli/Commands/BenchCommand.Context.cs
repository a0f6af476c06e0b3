using System.Globalization;
using IlgpuAe.Diagnostics;

namespace IlgpuAe.Cli.Commands;

public sealed partial class BenchCommand
{
    /// <summary>Measures and prints the machine context before the first table, so every row reads against it.</summary>
    static BenchContext MeasureContext(int[] copyKib, Device device, TextWriter stdout)
    {
        foreach (int k in copyKib)
            if (k < 1 || k > (2 << 20))
                throw new UsageException($"--context-copy-kib sizes must be between 1 and {2 << 20} KiB (2 GiB), got {k}");
        var machine = MachineContext.Measure([.. copyKib.Select(k => (long)k << 10)]);
        foreach (var line in machine.Lines()) stdout.WriteLine(line);
        bool cpu = device.Backend == Backend.Cpu;
        stdout.WriteLine(cpu
            ? "of peak: GFLOP/s over the fma peak; of host copy: GB/s over the host copy whose working set is nearest the row's bytes"
            : "of peak, of host copy: '-' (the peak and the copy are the host's, the rows run on the device)");
        return new BenchContext(machine, cpu);
    }

    /// <summary>The context and whether the rows run on the host it measured: a GPU row over a CPU peak means nothing.</summary>
    sealed record BenchContext(MachineContext Machine, bool RowsOnHost)
    {
        public string OfPeak(double gflops) => RowsOnHost ? (gflops / Machine.FmaGflops).ToString("P0", CultureInfo.InvariantCulture) : "-";

        public string OfCopy(double gbs, double bytes) =>
            RowsOnHost ? (gbs / Machine.NearestCopy(bytes).Gbs).ToString("P0", CultureInfo.InvariantCulture) : "-";
    }
}
