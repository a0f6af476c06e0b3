using IlgpuAe.Checkpoints;
using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Training;
using Xunit;

namespace IlgpuAe.Tests.Training;

/// <summary>Runs that stop and resume lose nothing: same parameters to the bit, same metrics.</summary>
public class ResumeTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-resume-{Guid.NewGuid():N}");
    static readonly DataSplit Data = FashionMnist.LoadEmbedded();
    static Dataset Train => Data.Train.Slice(0, 640);
    static Dataset Test => Data.Test.Slice(0, 200);
    static readonly AutoencoderOptions Small = new() { Hidden = [32], Code = 6 };

    public ResumeTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, true);

    static (float[] Parameters, List<EpochReport> Reports) Straight(int epochs)
    {
        using var model = new Autoencoder<float>(TestDevice.Cpu, Small, seed: 9);
        using var adam = new Adam(3e-3);
        using var trainer = new Trainer<float>(model, adam, 64, seed: 9);
        var reports = trainer.Run(Train, Test, epochs).ToList();
        return (model.Parameters.Download(), reports);
    }

    /// <summary>Trains from the checkpoint at <paramref name="path"/> (or from scratch) until epoch <paramref name="epochs"/>, or until cancelled after <paramref name="stopAfter"/> steps.</summary>
    (float[] Parameters, List<EpochReport> Reports, bool Interrupted) Leg(string path, int epochs, bool resume, int stopAfter = int.MaxValue, int every = 0)
    {
        Model<float> model;
        var adam = new Adam(3e-3);
        var state = TrainerState.Start;
        if (resume)
        {
            (model, var r) = RunCheckpoint.Load<float>(TestDevice.Cpu, path);
            adam.Restore(model.Parameters, r.OptimizerState, r.OptimizerSteps);
            state = r.State;
        }
        else model = new Autoencoder<float>(TestDevice.Cpu, Small, seed: 9);
        using var _ = model;
        using var __ = adam;
        using var cancel = new CancellationTokenSource();
        int steps = 0;
        using var trainer = new Trainer<float>(model, adam, 64, seed: 9, new TrainerOptions { CheckpointEvery = every }) { State = state };
        var reports = trainer.Run(Train, Test, epochs,
            onBatch: (_, _) => { if (++steps == stopAfter) cancel.Cancel(); },
            onCheckpoint: s => RunCheckpoint.Save(path, model, adam, s),
            cancel: cancel.Token).ToList();
        return (model.Parameters.Download(), reports, trainer.Interrupted);
    }

    static void SameMetrics(IEnumerable<EpochReport> expected, IEnumerable<EpochReport> actual)
    {
        var e = expected.ToList();
        var a = actual.ToList();
        Assert.Equal(e.Count, a.Count);
        for (int i = 0; i < e.Count; i++)
        {
            Assert.Equal(e[i].Epoch, a[i].Epoch);
            Assert.Equal(e[i].TrainLoss, a[i].TrainLoss);
            Assert.Equal(e[i].TestLoss, a[i].TestLoss);
            Assert.Equal(e[i].Terms, a[i].Terms);
            Assert.Equal(e[i].Steps, a[i].Steps);
        }
    }

    [Fact]
    public void Four_epochs_in_one_go_equal_two_plus_two_resumed_bit_for_bit()
    {
        var straight = Straight(4);
        string path = Path.Combine(_dir, "run.safetensors");
        var first = Leg(path, 2, resume: false);
        var second = Leg(path, 4, resume: true);
        Assert.Equal(straight.Parameters, second.Parameters);
        SameMetrics(straight.Reports, first.Reports.Concat(second.Reports));
    }

    [Fact]
    public void A_run_interrupted_mid_epoch_resumes_from_its_checkpoint_to_the_same_parameters_and_metrics()
    {
        var straight = Straight(2);
        string path = Path.Combine(_dir, "run.safetensors");
        var first = Leg(path, 2, resume: false, stopAfter: 13, every: 4); // 10 batches an epoch: stops in epoch 2
        Assert.True(first.Interrupted);
        Assert.Single(first.Reports);
        var second = Leg(path, 2, resume: true);
        Assert.Equal(straight.Parameters, second.Parameters);
        SameMetrics(straight.Reports, first.Reports.Concat(second.Reports));
    }

    [Fact]
    public void The_same_seed_gives_identical_metrics_run_after_run()
    {
        var a = Straight(2);
        var b = Straight(2);
        Assert.Equal(a.Parameters, b.Parameters);
        SameMetrics(a.Reports, b.Reports);
    }

    [Fact]
    public void A_model_file_is_not_mistaken_for_a_run_checkpoint()
    {
        string path = Path.Combine(_dir, "model.safetensors");
        using (var model = new Autoencoder<float>(TestDevice.Cpu, Small, seed: 1))
            ModelFile.Save(model, path);
        var e = Assert.Throws<IlgpuAeException>(() => RunCheckpoint.Load<float>(TestDevice.Cpu, path));
        Assert.Contains("not a run checkpoint", e.Message);
    }
}
