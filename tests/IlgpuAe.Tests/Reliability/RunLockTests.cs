using System.Diagnostics;
using IlgpuAe.Files;
using IlgpuAe.Tests.Data;
using Xunit;

namespace IlgpuAe.Tests.Reliability;

/// <summary>One run per --out folder: a second run is refused by name, the lock goes with its process, killed or not.</summary>
public class RunLockTests : IDisposable
{
    readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_second_run_on_a_folder_in_use_is_refused_naming_the_folder_and_the_holder()
    {
        string data = Hostile.TinyData(_dir), run = _dir.File("run");
        using (RunLock.Acquire(run))
        {
            var r = Hostile.Cli([.. Hostile.QuickTrain(data, run), "--epochs", "1"]);
            Assert.Equal(1, r.Code);
            Assert.Contains($"the folder '{run}' is in use by another run (process {Environment.ProcessId}", r.Err);
            Assert.False(File.Exists(Path.Combine(run, "model.safetensors")));
        }
        var after = Hostile.Cli([.. Hostile.QuickTrain(data, run), "--epochs", "1"]);
        Assert.True(after.Code == 0, after.Err);
        Assert.DoesNotContain("note:", after.Out);
        Assert.False(File.Exists(Path.Combine(run, RunLock.OwnerFileName)), "a finished run leaves its owner record behind");
        using (RunLock.Acquire(run)) { } // and its lock
    }

    [Fact]
    public void A_run_refused_for_a_bad_option_leaves_no_folder_behind_and_an_existing_folder_as_it_was()
    {
        string fresh = _dir.File("fresh"), existing = _dir.File("existing");
        Directory.CreateDirectory(existing);
        File.WriteAllText(Path.Combine(existing, "notes.txt"), "mine");
        foreach (var folder in new[] { fresh, existing })
            Support.CliHarness.OneClearError(Support.CliHarness.Run(["train", "--model", "iwae", "--samples", "0", "--quiet", "--out", folder]), "--samples must be at least 1");
        Assert.False(Directory.Exists(fresh), "a refused run left its folder");
        Assert.Equal([RunLock.FileName, "notes.txt"], Directory.EnumerateFileSystemEntries(existing).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_lock_held_by_a_killed_process_is_free_and_the_dead_holder_is_named()
    {
        string data = Hostile.TinyData(_dir), run = _dir.File("run");
        string cli = Path.Combine(AppContext.BaseDirectory, "ilgpu-ae.dll");
        using var process = Process.Start(new ProcessStartInfo("dotnet", [cli, .. Hostile.QuickTrain(data, run), "--epochs", "100000"])
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
        // The run prints its device line once it holds the lock and has built the model.
        string? line;
        while ((line = process.StandardOutput.ReadLine()) is not null && !line.StartsWith("device:", StringComparison.Ordinal)) { }
        Assert.NotNull(line);
        Assert.Throws<IlgpuAeException>(() => RunLock.Acquire(run).Dispose());
        process.Kill();
        process.WaitForExit();
        using var taken = RunLock.Acquire(run);
        Assert.Equal(process.Id, taken.StalePid);
    }
}
