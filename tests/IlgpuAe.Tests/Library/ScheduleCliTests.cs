using System.Text.Json;
using IlgpuAe.Checkpoints;
using IlgpuAe.Cli;
using IlgpuAe.Training;
using Xunit;
using static IlgpuAe.Tests.Support.CliHarness;

namespace IlgpuAe.Tests.Library;

/// <summary>`--beta-schedule` and `--lr-schedule` as a user meets them: a resumed run keeps them, bad grammar is one error line.</summary>
public class ScheduleCliTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-cli-schedule-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    static readonly string[] Common = ["train", "--model", "vae", "--batch", "64", "--limit", "640", "--hidden", "16", "--latent", "3",
        "--backend", "cpu", "--quiet"];

    [Fact]
    public void A_run_stopped_mid_schedule_resumes_bit_for_bit_and_eval_reproduces_its_loss()
    {
        string straight = Path.Combine(_dir, "straight"), resumed = Path.Combine(_dir, "resumed");
        // 10 steps per epoch: the lengths left out are the run's 20 steps, fixed in the checkpoint.
        var s = Run([.. Common, "--beta-schedule", "cyclical:2:0.5", "--lr-schedule", "cosine:1:0.1", "--epochs", "2", "--out", straight]);
        Assert.True(s.Code == 0, s.Err);
        var checkpoint = SafeTensors.Read(Path.Combine(straight, RunCheckpoint.FileName)).Metadata;
        Assert.Equal("cosine:1:0.1:20", checkpoint["run.lr_schedule"]);
        Assert.Contains("\"beta_schedule\":\"cyclical:2:0.5:20\"", checkpoint["config"]);
        // The same schedules written out, stopped after epoch 1 (half-way through both), resumed to epoch 2.
        Assert.Equal(0, Run([.. Common, "--beta-schedule", "cyclical:2:0.5:20", "--lr-schedule", "cosine:1:0.1:20", "--epochs", "1", "--out", resumed]).Code);
        var r = Run("train", "--resume", resumed, "--epochs", "2", "--quiet");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(Metrics(straight), Metrics(resumed));
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "model.safetensors")), File.ReadAllBytes(Path.Combine(resumed, "model.safetensors")));

        var e = Run("eval", "--model-file", Path.Combine(straight, "model.safetensors"), "--backend", "cpu", "--json",
            "--iw", "2", "--iw-images", "4", "--agg-samples", "4");
        Assert.True(e.Code == 0, e.Err);
        double evalLoss = JsonDocument.Parse(e.Out).RootElement.GetProperty("test_loss").GetDouble();
        double trained = JsonDocument.Parse(File.ReadAllLines(Path.Combine(straight, "metrics.jsonl"))[^1]).RootElement.GetProperty("test_loss").GetDouble();
        Assert.Equal(trained, evalLoss);
    }

    [Theory]
    [InlineData("--beta-schedule", "linear:0:1:x", "--beta-schedule: schedule linear: STEPS must be a whole number")]
    [InlineData("--lr-schedule", "sawtooth:3", "--lr-schedule: schedule 'sawtooth:3' is not understood")]
    public void Bad_schedule_grammar_is_one_error_line_naming_the_option(string option, string value, string mentions)
    {
        var r = Run("train", "--model", "vae", "--epochs", "1", "--limit", "128", "--backend", "cpu", "--quiet", "--out", _dir, option, value);
        Assert.Equal(2, r.Code);
        Assert.StartsWith("error: " + mentions, r.Err);
        Assert.Single(r.Err.TrimEnd().Split('\n'));
    }

    [Fact]
    public void A_library_option_error_is_reported_with_the_flag()
    {
        var r = Run("train", "--model", "vae", "--hidden", "", "--epochs", "1", "--limit", "128", "--backend", "cpu", "--quiet", "--out", _dir);
        Assert.Equal(2, r.Code);
        Assert.StartsWith("error: --hidden needs at least one positive", r.Err);
    }
}
