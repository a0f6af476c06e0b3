using System.Diagnostics;
using IlgpuAe.Checkpoints;
using Xunit;
using IlgpuAe.Training;

namespace IlgpuAe.Tests.Cli;

/// <summary>A writer killed part-way never leaves a damaged checkpoint under the checkpoint's name.</summary>
public class KillTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-kill-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    [Fact]
    public void Sigkill_during_back_to_back_checkpoint_writes_leaves_the_last_good_checkpoint_readable()
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "ilgpu-ae.dll");
        // A checkpoint every step of a model big enough (about 40 MB a file) that a kill lands mid-write often.
        string[] args = [cli, "train", "--model", "ae", "--hidden", "2048", "--code", "8", "--batch", "32", "--limit", "4096",
            "--epochs", "1000", "--checkpoint-every", "1", "--backend", "cpu", "--quiet", "--out", _dir];
        var rng = new Random(1);
        for (int attempt = 0; attempt < 3; attempt++)
        {
            using var process = Process.Start(new ProcessStartInfo("dotnet", args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            string path = Path.Combine(_dir, RunCheckpoint.FileName);
            var clock = Stopwatch.StartNew();
            while (!File.Exists(path) && clock.Elapsed < TimeSpan.FromMinutes(1) && !process.HasExited) Thread.Sleep(20);
            Assert.True(File.Exists(path), "no checkpoint appeared within a minute");
            Thread.Sleep(rng.Next(50, 600));
            process.Kill();
            process.WaitForExit();
            var (model, resume) = RunCheckpoint.Load<float>(TestDevice.Cpu, path);
            model.Dispose();
            Assert.True(resume.State.Steps >= 1);
            // The next run resumes from it; leftover temporary files of the killed writer are harmless.
            args = [cli, "train", "--resume", _dir, "--checkpoint-every", "1", "--quiet"];
        }
        using var last = Process.Start(new ProcessStartInfo("dotnet", [.. args, "--epochs", "0"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        last.WaitForExit();
        Assert.Empty(Directory.EnumerateFiles(_dir, "*.tmp"));
    }
}
