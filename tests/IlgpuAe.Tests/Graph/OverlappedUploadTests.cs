using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Training;
using Xunit;
using static IlgpuAe.Tests.Support.TestBatches;

namespace IlgpuAe.Tests.Graph;

/// <summary>
/// Overlapped uploads (a second stream copies the next batch into a device slot of its own while the step runs, the
/// compute stream moves it into the input): on the CPU accelerator the streams run each copy as it is queued, so what is
/// tested here is the bookkeeping a GPU relies on: the two slots in turn, step k reading batch k bit for bit, epoch ends
/// and a short last batch, and the trained bits of the single-stream path.
/// </summary>
public class OverlappedUploadTests
{
    static Autoencoder<float> Model() =>
        new(TestDevice.Cpu, new AutoencoderOptions { Features = 20, Hidden = [6], Code = 2 }, seed: 2);

    [Fact]
    public void Each_step_reads_its_own_batch_bit_for_bit_through_the_two_slots_in_turn()
    {
        using var model = Model();
        var plan = model.Plan(5, training: true);
        plan.OverlappedUploads = true;
        var x = plan.Input("x");
        Assert.Equal(-1, plan.UploadSlot(x));
        var slots = new List<int>();
        for (int k = 0; k < 5; k++)
        {
            var batch = RandomBatch(5, 20, 100 + k);
            model.Feed(plan, batch);
            slots.Add(plan.UploadSlot(x));
            plan.Forward();
            Assert.Equal(batch.Images, plan.Read(x));
        }
        Assert.Equal([1, 0, 1, 0, 1], slots); // the slot after each upload: 0, 1, 0, ... were written in turn
    }

    [Fact]
    public void Switching_overlap_off_between_steps_keeps_the_values_that_arrive()
    {
        using var model = Model();
        var plan = model.Plan(3, training: false);
        var x = plan.Input("x");
        foreach (bool overlapped in new[] { true, false, true })
        {
            plan.OverlappedUploads = overlapped;
            var batch = RandomBatch(3, 20, overlapped ? 7 : 8);
            model.Feed(plan, batch);
            plan.Forward();
            Assert.Equal(batch.Images, plan.Read(x));
        }
    }

    [Fact]
    public void Overlapped_uploads_train_to_the_bits_of_single_stream_uploads_over_epoch_ends_and_a_short_last_batch()
    {
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 70); // 4 batches of 16 and one of 6 an epoch
        var test = data.Test.Slice(0, 16);
        (float[] Parameters, double Loss, double Test) Run(bool overlapped)
        {
            using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [8], Latent = 2 }, seed: 6);
            model.Plan(16, training: true).OverlappedUploads = overlapped;
            model.Plan(6, training: true).OverlappedUploads = overlapped;
            using var adam = new Adam(1e-3);
            using var trainer = new Trainer<float>(model, adam, 16, 3, new TrainerOptions { KeepLastBatch = true });
            var reports = trainer.Run(train, test, 3);
            Assert.Equal(overlapped, model.Plan(16, training: true).OverlappedUploads); // the trainer used the plans set here
            return (model.Parameters.Download(), reports[^1].TrainLoss, reports[^1].TestLoss);
        }
        var single = Run(false);
        var overlapped = Run(true);
        Assert.Equal(single.Parameters, overlapped.Parameters);
        Assert.Equal(single.Loss, overlapped.Loss);
        Assert.Equal(single.Test, overlapped.Test);
    }

    [Fact]
    public void Overlap_is_on_by_default_only_where_streams_run_beside_each_other()
    {
        using var model = Model();
        Assert.False(model.Plan(4, training: true).OverlappedUploads); // the CPU accelerator: streams are synchronous
    }
}
