using System.Diagnostics;
using System.Globalization;

namespace IlgpuAe.Tests.Distributed;

/// <summary>Starts the CLI under Open MPI's mpirun in shared memory (as root too), with a timeout that ends the whole job.</summary>
static class MpiRun
{
    /// <summary>mpirun's path, or null when Open MPI is not installed (apt-get install openmpi-bin libopenmpi-dev; .ci/run does it).</summary>
    public static readonly string? Mpirun = Environment.GetEnvironmentVariable("PATH")?.Split(':')
        .Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);

    public const string Missing = "mpirun not found: apt-get install openmpi-bin libopenmpi-dev (.ci/run installs it)";

    static string Cli => Path.Combine(AppContext.BaseDirectory, "ilgpu-ae.dll");

    /// <summary>mpirun -np <paramref name="ranks"/> dotnet ilgpu-ae.dll ARGS, started with stdout and stderr redirected.</summary>
    public static Process Start(int ranks, IEnumerable<string> cliArgs)
    {
        var start = new ProcessStartInfo(Mpirun!, ["-np", ranks.ToString(CultureInfo.InvariantCulture), "--oversubscribe", "--mca", "btl", "self,vader",
            "dotnet", Cli, .. cliArgs])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // As root (CI), mpirun refuses to start without these; TERM=dumb keeps .NET from writing terminal escapes.
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        start.Environment["TERM"] = "dumb";
        return Process.Start(start)!;
    }

    /// <summary>Runs the job to its end (killing it after <paramref name="timeout"/>) and returns its exit code and output.</summary>
    public static (int Code, string Out, string Err) Run(int ranks, IEnumerable<string> cliArgs, TimeSpan? timeout = null)
    {
        using var p = Start(ranks, cliArgs);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(3)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"mpirun did not finish within {timeout ?? TimeSpan.FromMinutes(3)}: {stdout.Result}{stderr.Result}");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The process ids of the job's ranks: the processes whose parent is mpirun (it starts the ranks of its own host).</summary>
    public static IReadOnlyList<int> Ranks(Process mpirun)
    {
        var ranks = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (IOException) { continue; } // ended meanwhile
            // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (int.Parse(fields[1], CultureInfo.InvariantCulture) == mpirun.Id) ranks.Add(pid);
        }
        return ranks;
    }
}
