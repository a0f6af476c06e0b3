using System.Globalization;
using IlgpuAe.Checkpoints;
using IlgpuAe.Tests.Data;
using IlgpuAe.Training;
using Xunit;

namespace IlgpuAe.Tests.Reliability;

/// <summary>Two finished runs (an AE and a VAE, one epoch each) that the resume tests copy and damage.</summary>
public sealed class FinishedRuns : IDisposable
{
    readonly TempDirectory _dir = new();

    public FinishedRuns()
    {
        Data = Hostile.TinyData(_dir);
        Ae = _dir.File("ae");
        Vae = _dir.File("vae");
        foreach (var (dir, kind) in new[] { (Ae, "ae"), (Vae, "vae") })
        {
            var r = Hostile.Cli([.. Hostile.QuickTrain(Data, dir, kind), "--epochs", "1", "--checkpoint-every", "3"]);
            if (r.Code != 0) throw new InvalidOperationException(r.Err);
        }
    }

    public string Data { get; }
    public string Ae { get; }
    public string Vae { get; }

    /// <summary>A fresh copy of a finished run's folder.</summary>
    public string Copy(string run, TempDirectory into)
    {
        string copy = into.File(Path.GetFileName(run) + "-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(copy);
        foreach (var f in Directory.GetFiles(run)) File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
        return copy;
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>Resume checks every counter against the run's own data and refuses what cannot be.</summary>
public class ResumeValidationTests(FinishedRuns runs) : IClassFixture<FinishedRuns>, IDisposable
{
    readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    static string Checkpoint(string run) => Path.Combine(run, RunCheckpoint.FileName);

    // 128 images in batches of 32: 4 steps per epoch; the finished runs stand at epoch 2, batch 0, step 4.
    public static TheoryData<string, string, string> ImpossibleCounters() => new()
    {
        { "run.epoch", "1000000000", "epoch 1000000000 is outside" },
        { "run.steps", long.MaxValue.ToString(CultureInfo.InvariantCulture), "step counter is 9223372036854775807" },
        { "run.steps", "5", "is step 4" },
        { "run.batch", "1000", "batch position 1000 is outside the 4 batches" },
        { "run.optimizer_steps", long.MaxValue.ToString(CultureInfo.InvariantCulture), "optimizer has taken 9223372036854775807 steps" },
        { "run.term_sums", "[\"1\",\"2\",\"3\"]", "3 running loss sums at batch 0" },
    };

    [Theory, MemberData(nameof(ImpossibleCounters))]
    public void A_checkpoint_counter_the_run_cannot_have_reached_is_refused(string key, string value, string says)
    {
        string run = runs.Copy(runs.Ae, _dir);
        Hostile.EditMetadata(Checkpoint(run), m => m[key] = value);
        var model = File.ReadAllBytes(Path.Combine(run, "model.safetensors"));
        var r = Hostile.Cli("train", "--resume", run, "--epochs", "3", "--quiet");
        Assert.Equal(1, r.Code);
        Assert.Contains(says, r.Err);
        Assert.Contains("damaged or was edited", r.Err);
        Assert.Equal(model, File.ReadAllBytes(Path.Combine(run, "model.safetensors")));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    public void Asking_for_no_more_epochs_than_were_done_says_so_and_fails(string epochs)
    {
        string run = runs.Copy(runs.Ae, _dir);
        var r = Hostile.Cli("train", "--resume", run, "--epochs", epochs, "--quiet");
        Assert.Equal(1, r.Code);
        Assert.Contains("has done 1 epoch", r.Err);
        Assert.Contains("ask for more than 1 epochs", r.Err);
    }

    [Fact]
    public void A_vae_checkpoint_in_an_ae_folder_is_refused_unless_forced_and_then_overwrites_its_model_file()
    {
        string run = runs.Copy(runs.Ae, _dir);
        File.Copy(Checkpoint(runs.Vae), Checkpoint(run), overwrite: true);
        var refused = Hostile.Cli("train", "--resume", run, "--epochs", "2", "--quiet");
        Assert.Equal(1, refused.Code);
        Assert.Contains("holds a vae model but", refused.Err);
        Assert.Contains("--force", refused.Err);
        Assert.Equal("ae", SafeTensors.Read(Path.Combine(run, "model.safetensors")).Metadata["model"]);

        var forced = Hostile.Cli("train", "--resume", run, "--epochs", "2", "--quiet", "--force");
        Assert.True(forced.Code == 0, forced.Err);
        Assert.Equal("vae", SafeTensors.Read(Path.Combine(run, "model.safetensors")).Metadata["model"]);
        Assert.DoesNotContain("--force", SafeTensors.Read(Checkpoint(run)).Metadata["run.args"]);
    }

    [Fact]
    public void An_untouched_checkpoint_still_resumes()
    {
        string run = runs.Copy(runs.Ae, _dir);
        var r = Hostile.Cli("train", "--resume", run, "--epochs", "2", "--quiet");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Length);
    }

    [Fact]
    public void Force_without_resume_is_a_bad_command_line()
    {
        var r = Hostile.Cli([.. Hostile.QuickTrain(runs.Data, _dir.File("fresh")), "--force"]);
        Assert.Equal(2, r.Code);
        Assert.Contains("--force applies only with --resume", r.Err);
    }
}
