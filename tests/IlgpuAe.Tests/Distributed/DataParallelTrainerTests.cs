using System.Numerics;
using IlgpuAe.Data;
using IlgpuAe.Distributed;
using IlgpuAe.Kernels;
using IlgpuAe.Models;
using IlgpuAe.Ops;
using IlgpuAe.Optim;
using IlgpuAe.Training;
using Xunit;

namespace IlgpuAe.Tests.Distributed;

/// <summary>
/// The trainer's data-parallel logic against one process, with in-process ranks (<see cref="ThreadRanks"/>) in double
/// precision: N ranks each training their share of every batch of B rows end where one process with batches of B ends.
/// </summary>
public class DataParallelTrainerTests
{
    static readonly DataSplit Data = FashionMnist.LoadEmbedded();
    static Dataset Train => Data.Train.Slice(0, 384);
    static Dataset Test => Data.Test.Slice(0, 96);
    const int Batch = 32, Epochs = 5; // 12 steps an epoch, 60 steps

    static (double Loss, double Test, T[] Parameters) Fit<T>(Func<Device, Model<T>> make, IDataParallel? parallel, Device device,
        bool keepLast = false, Dataset? train = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var model = make(device);
        using var adam = new Adam(2e-3);
        using var trainer = new Trainer<T>(model, adam, Batch, seed: 5,
            new TrainerOptions { Parallel = parallel, VerifyReplicas = parallel is not null, KeepLastBatch = keepLast });
        var last = trainer.Run(train ?? Train, Test, Epochs)[^1];
        return (last.TrainLoss, last.TestLoss, model.Parameters.Download());
    }

    static void SameAsOneProcess<T>(Func<Device, Model<T>> make, int ranks, double tolerance, bool keepLast = false, Dataset? train = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var alone = Fit(make, null, TestDevice.Cpu, keepLast, train);
        var group = new ThreadRanks(ranks);
        var devices = Enumerable.Range(0, ranks).Select(_ => Device.Open(Backend.Cpu)).ToArray();
        try
        {
            var split = group.Run(p => Fit(make, p, devices[p.Rank], keepLast, train));
            foreach (var (loss, test, parameters) in split)
            {
                Assert.Equal(split[0].Parameters, parameters); // every rank holds the same bits (also checked after every step)
                Assert.True(Math.Abs(loss - alone.Loss) <= tolerance * Math.Abs(alone.Loss), $"train loss {loss} against {alone.Loss} in one process");
                Assert.True(Math.Abs(test - alone.Test) <= tolerance * Math.Abs(alone.Test), $"test loss {test} against {alone.Test} in one process");
            }
            double worst = alone.Parameters.Zip(split[0].Parameters, (a, b) => Math.Abs(double.CreateTruncating(a) - double.CreateTruncating(b))).Max();
            Assert.True(worst <= 1e3 * tolerance, $"parameters differ by up to {worst} from one process");
        }
        finally
        {
            foreach (var d in devices) d.Dispose();
        }
    }

    static readonly AutoencoderOptions SmallAe = new() { Hidden = [24], Code = 6 };
    static readonly VaeOptions SmallVae = new() { Hidden = [24], Latent = 4 };

    [Fact]
    public void Two_ranks_train_an_autoencoder_as_one_process_does_in_double() =>
        SameAsOneProcess<double>(d => new Autoencoder<double>(d, SmallAe, seed: 5), 2, 1e-12);

    [Fact]
    public void Two_ranks_train_a_vae_as_one_process_does_in_double_because_each_row_draws_its_own_epsilon() =>
        SameAsOneProcess<double>(d => new Vae<double>(d, SmallVae, seed: 5), 2, 1e-12);

    [Fact]
    public void Three_ranks_with_uneven_shares_and_a_short_last_batch_train_a_denoising_autoencoder_as_one_process_does() =>
        SameAsOneProcess<double>(d => new DenoisingAutoencoder<double>(d, new DenoisingOptions { Autoencoder = SmallAe, Noise = new Corruption(NoiseKind.Mask, 0.25) }, seed: 5),
            3, 1e-12, keepLast: true, train: Data.Train.Slice(0, 353)); // 32 = 11 + 11 + 10; the last batch of 1 row leaves two ranks empty

    [Fact]
    public void Two_ranks_train_a_masked_cvae_as_one_process_does_because_each_row_hides_its_own_block() =>
        SameAsOneProcess<double>(d => new Cvae<double>(d, new CvaeOptions { Hidden = [24], Latent = 4, Condition = Condition.Masked, Block = 10 }, seed: 5), 2, 1e-12);

    [Fact]
    public void A_vae_in_float_on_two_ranks_ends_within_1e_5_of_one_process() =>
        SameAsOneProcess<float>(d => new Vae<float>(d, SmallVae, seed: 5), 2, 1e-5);

    [Fact]
    public void A_stop_asked_of_one_rank_stops_both_in_the_same_step_and_the_run_resumes_exactly_mid_epoch()
    {
        string path = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-dp-resume-{Guid.NewGuid():N}.safetensors");
        var devices = new[] { Device.Open(Backend.Cpu), Device.Open(Backend.Cpu) };
        try
        {
            var straight = new ThreadRanks(2).Run(p => Leg(devices[p.Rank], p, null, 2, path, null));
            var stopped = new CancellationTokenSource();
            // Rank 0 asks rank 1 to stop after step 17 (epoch 2, batch 5); only rank 1's token is ever cancelled.
            var first = new ThreadRanks(2).Run(p => Leg(devices[p.Rank], p, null, 2, path, p.Rank == 0 ? steps => { if (steps == 17) stopped.Cancel(); } : null,
                p.Rank == 1 ? stopped.Token : default));
            Assert.All(first, leg => Assert.True(leg.Interrupted));
            // Both stop after the same step: the one in which rank 1 saw the request (18, or 19 if it had started step 18 already).
            Assert.Equal(first[0].Steps, first[1].Steps);
            Assert.InRange(first[0].Steps, 18, 19);
            var resumed = new ThreadRanks(2).Run(p => Leg(devices[p.Rank], p, path, 2, path, null));
            for (int r = 0; r < 2; r++)
            {
                Assert.Equal(straight[r].Parameters, resumed[r].Parameters);
                Assert.Equal(straight[r].LastLoss, resumed[r].LastLoss);
            }
        }
        finally
        {
            foreach (var d in devices) d.Dispose();
            File.Delete(path);
        }
    }

    static (float[] Parameters, double LastLoss, bool Interrupted, long Steps) Leg(Device device, IDataParallel parallel, string? from, int epochs,
        string path, Action<long>? afterStep, CancellationToken cancel = default)
    {
        Model<float> model;
        var adam = new Adam(2e-3);
        var state = TrainerState.Start;
        if (from is not null)
        {
            (model, var r) = RunCheckpoint.Load<float>(device, from);
            adam.Restore(model.Parameters, r.OptimizerState, r.OptimizerSteps);
            state = r.State;
        }
        else model = new Autoencoder<float>(device, SmallAe, seed: 5);
        using var _ = model;
        using var __ = adam;
        using var trainer = new Trainer<float>(model, adam, Batch, seed: 5, new TrainerOptions { Parallel = parallel, CheckpointEvery = 5 }) { State = state };
        var reports = trainer.Run(Train, Test, epochs, onBatch: (_, _) => afterStep?.Invoke(trainer.Steps),
            onCheckpoint: s => RunCheckpoint.Save(path, model, adam, s), cancel: cancel);
        return (model.Parameters.Download(), reports.Count > 0 ? reports[^1].TrainLoss : double.NaN, trainer.Interrupted, trainer.Steps);
    }

    [Fact]
    public void Shares_split_a_batch_in_rank_order_as_evenly_as_possible()
    {
        Assert.Equal([(0, 11), (11, 11), (22, 10)], Enumerable.Range(0, 3).Select(r => Shares.Of(32, r, 3)));
        Assert.Equal([(0, 1), (1, 0), (1, 0)], Enumerable.Range(0, 3).Select(r => Shares.Of(1, r, 3)));
    }

    [Fact]
    public void A_batch_smaller_than_the_ranks_and_kl_sparsity_are_refused_with_the_reason()
    {
        var p = new ThreadRanks(4).Rank(0);
        using var ae = new Autoencoder<float>(TestDevice.Cpu, SmallAe);
        using var adam = new Adam(1e-3);
        var e = Assert.Throws<IlgpuAeException>(() => new Trainer<float>(ae, adam, 3, 1, new TrainerOptions { Parallel = p }));
        Assert.Contains("cannot be split over 4 ranks", e.Message);
        using var sparse = new SparseAutoencoder<float>(TestDevice.Cpu, new SparseOptions
        {
            Autoencoder = SmallAe with { CodeActivation = Activation.Sigmoid }, Sparsity = Sparsity.Kl,
        });
        e = Assert.Throws<IlgpuAeException>(() => new Trainer<float>(sparse, adam, 32, 1, new TrainerOptions { Parallel = p }));
        Assert.Contains("KL sparsity is a function of the whole batch", e.Message);
    }
}
