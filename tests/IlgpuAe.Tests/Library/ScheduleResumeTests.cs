using IlgpuAe.Checkpoints;
using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Training;
using Xunit;

namespace IlgpuAe.Tests.Library;

/// <summary>Schedules are part of the run: a run stopped mid-schedule and resumed equals one run straight through, bit for bit.</summary>
public class ScheduleResumeTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-schedule-resume-{Guid.NewGuid():N}");
    static readonly DataSplit Data = FashionMnist.LoadEmbedded();
    static Dataset Train => Data.Train.Slice(0, 320);
    static Dataset Test => Data.Test.Slice(0, 100);
    // 5 steps per epoch, 4 epochs: both schedules are mid-way when the run stops after epoch 2.
    static readonly VaeOptions Options = new() { Hidden = [16], Latent = 3, BetaSchedule = Schedule.Cyclical(2, 0.5, 20) };
    static readonly Schedule LearningRate = Schedule.Cosine(1, 0.1, 20);

    public ScheduleResumeTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, true);

    (float[] Parameters, List<EpochReport> Reports) Leg(string? path, int epochs, bool resume)
    {
        Vae<float> model;
        var adam = new Adam(3e-3);
        var state = TrainerState.Start;
        Schedule? lr = LearningRate;
        if (resume)
        {
            (var loaded, var r) = RunCheckpoint.Load<float>(TestDevice.Cpu, path!);
            model = (Vae<float>)loaded;
            adam.Restore(model.Parameters, r.OptimizerState, r.OptimizerSteps);
            state = r.State;
            lr = r.LearningRate;
        }
        else model = new Vae<float>(TestDevice.Cpu, Options, seed: 4);
        using var _ = model;
        using var __ = adam;
        using var trainer = new Trainer<float>(model, adam, 64, seed: 4, new TrainerOptions { LearningRate = lr }) { State = state };
        var reports = trainer.Run(Train, Test, epochs,
            onCheckpoint: s => { if (path is not null) RunCheckpoint.Save(path, model, adam, s, learningRate: lr); }).ToList();
        return (model.Parameters.Download(), reports);
    }

    [Fact]
    public void Four_epochs_in_one_go_equal_two_plus_two_resumed_with_both_schedules()
    {
        var straight = Leg(null, 4, resume: false);
        string path = Path.Combine(_dir, "run.safetensors");
        var first = Leg(path, 2, resume: false);
        var metadata = SafeTensors.Read(path).Metadata;
        Assert.Equal("cosine:1:0.1:20", metadata["run.lr_schedule"]);
        Assert.Contains("\"beta_schedule\":\"cyclical:2:0.5:20\"", metadata["config"]);
        var second = Leg(path, 4, resume: true);
        Assert.Equal(straight.Parameters, second.Parameters);
        var all = first.Reports.Concat(second.Reports).ToList();
        Assert.Equal(straight.Reports.Select(r => (r.TrainLoss, r.TestLoss, r.Steps)), all.Select(r => (r.TrainLoss, r.TestLoss, r.Steps)));
        for (int i = 0; i < all.Count; i++) Assert.Equal(straight.Reports[i].Terms, all[i].Terms);
    }
}
