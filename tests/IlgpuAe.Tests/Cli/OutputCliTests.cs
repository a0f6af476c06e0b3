using System.Diagnostics;
using IlgpuAe.Cli;
using Xunit;

namespace IlgpuAe.Tests.Cli;

/// <summary>Spectre.Console on a terminal, plain lines everywhere else (a log, a file, a pipe).</summary>
public class OutputCliTests : IDisposable
{
    const char Escape = '\u001b';
    readonly string _dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-output-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    static (int Code, string Out, string Err) Process(params string[] args)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "ilgpu-ae.dll");
        using var process = System.Diagnostics.Process.Start(new ProcessStartInfo("dotnet", [cli, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }

    [Fact]
    public void Redirected_output_of_train_and_devices_has_no_escape_codes()
    {
        // No --quiet: the progress bar is on, and must turn into plain lines when stderr is not a terminal.
        var train = Process("train", "--model", "ae", "--hidden", "16", "--code", "4", "--epochs", "1", "--batch", "64", "--limit", "256",
            "--backend", "cpu", "--out", _dir);
        Assert.True(train.Code == 0, train.Err);
        Assert.Contains("epoch 1:", train.Out);
        Assert.DoesNotContain(Escape, train.Out + train.Err);
        var devices = Process("devices", "--backend", "cpu");
        Assert.Equal(0, devices.Code);
        Assert.Contains("usable, selected", devices.Out);
        Assert.DoesNotContain(Escape, devices.Out + devices.Err);
    }

    [Fact]
    public void On_a_terminal_devices_is_a_table_and_elsewhere_fixed_width_lines()
    {
        var terminal = new StringWriter();
        Assert.Equal(0, App.Run(["devices", "--backend", "cpu"], new Io(terminal, new StringWriter(), outIsTerminal: true)));
        Assert.Contains("usable, selected", terminal.ToString());
        Assert.Contains("│", terminal.ToString());

        var plain = new StringWriter();
        Assert.Equal(0, App.Run(["devices", "--backend", "cpu"], new Io(plain, new StringWriter())));
        Assert.DoesNotContain("│", plain.ToString());
        Assert.StartsWith("  backend  device", plain.ToString());
        Assert.Contains(plain.ToString().Split('\n'), l => l.StartsWith("* cpu      ", StringComparison.Ordinal) && l.EndsWith("usable, selected", StringComparison.Ordinal));
    }

    [Fact]
    public void The_progress_bar_draws_on_a_terminal_and_is_gone_when_the_epoch_ends()
    {
        var err = new StringWriter();
        using (var bar = new ProgressBar(new Io(new StringWriter(), err, errIsTerminal: true), batchSize: 32))
        {
            for (int done = 1; done <= 4; done++)
            {
                bar.Report(1, done, 4);
                Thread.Sleep(120); // past Spectre's refresh interval, so it redraws
            }
            bar.Done();
        }
        Assert.Contains(Escape, err.ToString());
        Assert.Contains("epoch 1", err.ToString());
        Assert.Contains("batches", err.ToString());
    }

    [Fact]
    public void Off_a_terminal_the_progress_is_plain_lines_with_images_per_second_and_time_left()
    {
        var err = new StringWriter();
        using (var bar = new ProgressBar(new Io(new StringWriter(), err), batchSize: 32, plainEverySeconds: 0))
        {
            for (int done = 1; done <= 4; done++) bar.Report(3, done, 4);
            bar.Done();
        }
        var lines = err.ToString().Trim().Split('\n');
        Assert.Equal(3, lines.Length); // the last batch is left to the epoch's own line
        Assert.StartsWith("epoch 3: 1/4 batches, ", lines[0]);
        Assert.All(lines, l => Assert.Matches(@"^epoch 3: \d/4 batches, \d+ img/s, \d+:\d\d:\d\d left$", l.TrimEnd('\r')));
        Assert.DoesNotContain(Escape, err.ToString());
    }
}
