using System.Diagnostics;
using System.Text.Json;
using IlgpuAe.Cli;
using IlgpuAe.Data;
using Xunit;

namespace IlgpuAe.Tests.Distributed;

/// <summary>
/// `mpirun -np 2 ilgpu-ae train ... --distributed mpi` as a user runs it, against one process with the same global batch:
/// same losses (float, 1e-5 relative), the same parameters on both ranks after every step (--verify-replicas), rank 0
/// alone writing, exact resume with the same rank count, and a dead rank ending the job instead of hanging it.
/// </summary>
public class MpiTrainingTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-mpi-{Guid.NewGuid():N}");

    public MpiTrainingTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    // A small data set (1,280 train and 256 test images as .npy), so that evaluating after each epoch costs little.
    static readonly Lazy<string> DataDir = new(() =>
    {
        string dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-mpi-data-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(dir, true);
        var data = FashionMnist.LoadEmbedded();
        void Save(string name, Dataset set) =>
            File.WriteAllBytes(Path.Combine(dir, name), Npy.Encode("<f4", [set.Count, set.Features], set.Images.Select(v => (double)v).ToArray()));
        Save("train.npy", data.Train.Slice(0, 1280));
        Save("test.npy", data.Test.Slice(0, 256));
        return dir;
    });

    // 1,280 images in batches of 64: 20 steps an epoch, 200 steps in 10 epochs.
    static string[] Common => ["train", "--data", DataDir.Value, "--batch", "64", "--hidden", "32", "--backend", "cpu", "--quiet", "--seed", "3"];
    static string[] Ae => [.. Common, "--model", "ae", "--code", "6"];
    static string[] Vae => [.. Common, "--model", "vae", "--latent", "4"];
    static readonly string[] Parallel = ["--distributed", "mpi", "--verify-replicas"];

    static (int Code, string Out, string Err) Alone(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        return (App.Run(args, stdout, stderr), stdout.ToString(), stderr.ToString());
    }

    static List<Dictionary<string, JsonElement>> Metrics(string dir) =>
        File.ReadAllLines(Path.Combine(dir, "metrics.jsonl")).Select(l => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(l)!).ToList();

    static void SameLosses(string expectedDir, string actualDir, double relative)
    {
        var e = Metrics(expectedDir);
        var a = Metrics(actualDir);
        Assert.Equal(e.Count, a.Count);
        for (int i = 0; i < e.Count; i++)
            foreach (var key in new[] { "train_loss", "test_loss" })
            {
                double x = e[i][key].GetDouble(), y = a[i][key].GetDouble();
                Assert.True(Math.Abs(x - y) <= relative * Math.Abs(x), $"epoch {i + 1} {key}: {y} on 2 ranks, {x} in one process");
            }
    }

    /// <summary>10 epochs in one process and on 2 ranks: the same losses; returns the 2-rank run's directory.</summary>
    string TrainsAsOneProcess(string[] recipe)
    {
        string one = Path.Combine(_dir, "one"), two = Path.Combine(_dir, "two");
        var alone = Alone([.. recipe, "--epochs", "10", "--out", one]);
        Assert.True(alone.Code == 0, alone.Err);
        var r = MpiRun.Run(2, [.. recipe, "--epochs", "10", "--out", two, .. Parallel]);
        Assert.True(r.Code == 0, r.Out + r.Err);
        SameLosses(one, two, 1e-5);
        Assert.Single(r.Out.Split('\n'), l => l.StartsWith("epoch 10:", StringComparison.Ordinal)); // rank 0 alone prints
        Assert.Contains("2 ranks; gradient all-reduce", r.Out);
        return two;
    }

    [SkippableFact]
    public void Two_ranks_train_an_autoencoder_to_the_loss_of_one_process_with_identical_parameters_on_both_ranks()
    {
        Skip.If(MpiRun.Mpirun is null, MpiRun.Missing);
        TrainsAsOneProcess(Ae);
    }

    [SkippableFact]
    public void Two_ranks_train_a_vae_to_the_loss_of_one_process_with_identical_parameters_on_both_ranks_and_resume_exactly_with_two_ranks_only()
    {
        Skip.If(MpiRun.Mpirun is null, MpiRun.Missing);
        string straight = TrainsAsOneProcess(Vae), resumed = Path.Combine(_dir, "resumed");
        var first = MpiRun.Run(2, [.. Vae, "--epochs", "5", "--checkpoint-every", "7", "--out", resumed, .. Parallel]);
        Assert.True(first.Code == 0, first.Out + first.Err);

        var refused = Alone("train", "--resume", resumed, "--epochs", "10");
        Assert.Equal(1, refused.Code);
        Assert.Contains("was written by a run of 2 ranks, this one has 1", refused.Err);

        var r = MpiRun.Run(2, ["train", "--resume", resumed, "--epochs", "10", "--quiet"]);
        Assert.True(r.Code == 0, r.Out + r.Err);
        Assert.Contains("resuming", r.Out);
        SameLosses(straight, resumed, 0);
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "model.safetensors")), File.ReadAllBytes(Path.Combine(resumed, "model.safetensors")));
    }

    [SkippableFact]
    public void When_a_rank_dies_the_other_stops_and_mpirun_fails_instead_of_hanging()
    {
        Skip.If(MpiRun.Mpirun is null, MpiRun.Missing);
        using var job = MpiRun.Start(2, [.. Ae, "--epochs", "100000", "--out", Path.Combine(_dir, "killed"), "--distributed", "mpi"]);
        var stderr = job.StandardError.ReadToEndAsync();
        string? line;
        while ((line = job.StandardOutput.ReadLine()) is not null && !line.StartsWith("epoch 1:", StringComparison.Ordinal)) { }
        Assert.NotNull(line); // both ranks are training
        var ranks = MpiRun.Ranks(job);
        Assert.Equal(2, ranks.Count);
        Process.GetProcessById(ranks[1]).Kill();
        var rest = job.StandardOutput.ReadToEndAsync();
        bool ended = job.WaitForExit(60_000);
        if (!ended) job.Kill(entireProcessTree: true);
        Assert.True(ended, "mpirun still ran a minute after a rank was killed");
        Assert.NotEqual(0, job.ExitCode);
        var clock = Stopwatch.StartNew();
        while (Alive(ranks[0]) && clock.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(100);
        Assert.False(Alive(ranks[0]), "the surviving rank still ran 30 s after mpirun ended");
        Assert.Contains("signal 9", stderr.Result + rest.Result);
    }

    static bool Alive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException) { return false; }
    }

    [SkippableFact]
    public void Outside_mpirun_the_distributed_option_says_how_to_start_the_run()
    {
        Skip.If(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null, "the tests themselves run under mpirun");
        var r = Alone([.. Ae, "--epochs", "1", "--out", Path.Combine(_dir, "alone"), "--distributed", "mpi"]);
        Assert.Equal(1, r.Code);
        Assert.True(r.Err.Contains("not started by mpirun") || r.Err.Contains("libmpi.so.40"), r.Err);
        Assert.Single(r.Err.Trim().Split('\n'));
    }

    [Fact]
    public void A_bad_distributed_value_and_verify_without_distributed_are_command_line_errors()
    {
        Assert.Equal(2, Alone([.. Ae, "--distributed", "nccl"]).Code);
        var r = Alone([.. Ae, "--verify-replicas"]);
        Assert.Equal(2, r.Code);
        Assert.Contains("--verify-replicas needs --distributed mpi", r.Err);
    }
}
