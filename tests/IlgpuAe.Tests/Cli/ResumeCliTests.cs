using System.Diagnostics;
using System.Text.Json;
using IlgpuAe.Cli;
using Xunit;
using static IlgpuAe.Tests.Support.CliHarness;

namespace IlgpuAe.Tests.Cli;

/// <summary>`train --resume` and signals, as a user meets them.</summary>
public class ResumeCliTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-cli-resume-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    static readonly string[] Common = ["train", "--model", "ae", "--batch", "64", "--limit", "640", "--hidden", "32", "--code", "6", "--backend", "cpu", "--quiet"];

    [Fact]
    public void Resuming_with_more_epochs_continues_the_run_as_if_it_had_never_stopped()
    {
        string straight = Path.Combine(_dir, "straight"), resumed = Path.Combine(_dir, "resumed");
        Assert.Equal(0, Run([.. Common, "--epochs", "3", "--out", straight]).Code);
        Assert.Equal(0, Run([.. Common, "--epochs", "2", "--checkpoint-every", "7", "--out", resumed]).Code);
        var r = Run("train", "--resume", resumed, "--epochs", "3", "--quiet");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("resuming", r.Out);
        Assert.Equal(Metrics(straight), Metrics(resumed));
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "model.safetensors")), File.ReadAllBytes(Path.Combine(resumed, "model.safetensors")));
    }

    [Fact]
    public void Resuming_may_not_change_the_recipe()
    {
        string dir = Path.Combine(_dir, "run");
        Assert.Equal(0, Run([.. Common, "--epochs", "1", "--out", dir]).Code);
        var r = Run("train", "--resume", dir, "--lr", "0.1");
        Assert.Equal(2, r.Code);
        Assert.Contains("unknown option --lr", r.Err);
    }

    [Fact]
    public void Resuming_a_directory_without_a_checkpoint_is_one_clear_error()
    {
        var r = Run("train", "--resume", Path.Combine(_dir, "nothing"));
        Assert.Equal(1, r.Code);
        Assert.Contains("holds no checkpoint.safetensors", r.Err);
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public void A_stop_signal_finishes_the_step_writes_a_checkpoint_and_says_how_to_resume(string signal)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "ilgpu-ae.dll");
        string dir = Path.Combine(_dir, "signalled-" + signal);
        var start = new ProcessStartInfo("dotnet", [cli, .. Common, "--epochs", "1000", "--out", dir])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        string? line;
        while ((line = process.StandardOutput.ReadLine()) is not null && !line.StartsWith("epoch 1:", StringComparison.Ordinal)) { }
        Assert.NotNull(line); // at least one epoch done: the run is mid-training
        Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        string err = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), $"the run did not stop within a minute of SIG{signal}");
        Assert.Equal(130, process.ExitCode);
        Assert.Contains($"resume with: ilgpu-ae train --resume {dir}", err);
        Assert.True(File.Exists(Path.Combine(dir, "checkpoint.safetensors")));
        var r = Run("train", "--resume", dir, "--epochs", "2", "--quiet");
        Assert.True(r.Code == 0, r.Err);
    }
}
