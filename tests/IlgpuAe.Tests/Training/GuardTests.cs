using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Training;
using Xunit;

namespace IlgpuAe.Tests.Training;

/// <summary>A NaN or infinity stops training in the step it appears, names the step and the term, and changes no parameter.</summary>
public class GuardTests
{
    static Batch Batch(int rows, int features, float poison)
    {
        var images = Enumerable.Range(0, rows * features).Select(i => (i % 7) / 7f).ToArray();
        images[3] = poison;
        return new Batch(images, new byte[rows], rows);
    }

    [Fact]
    public void A_nan_loss_stops_before_the_optimizer_step_and_names_the_term()
    {
        using var model = new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions { Features = 20, Hidden = [8], Code = 3 });
        using var adam = new Adam();
        using var trainer = new Trainer<float>(model, adam, 4, 1);
        trainer.Step(Batch(4, 20, 0.5f));
        var before = model.Parameters.Download();
        var e = Assert.Throws<DivergenceException>(() => trainer.Step(Batch(4, 20, float.NaN)));
        Assert.Equal("reconstruction", e.Culprit);
        Assert.Contains("step 1", e.Message);
        Assert.Contains("'reconstruction' is NaN", e.Message);
        Assert.Equal(before, model.Parameters.Download());
    }

    [Fact]
    public void Clipping_bounds_the_update_of_plain_sgd()
    {
        using var model = new Autoencoder<double>(TestDevice.Cpu, new AutoencoderOptions { Features = 20, Hidden = [8], Code = 3 });
        using var sgd = new Sgd(lr: 1, momentum: 0);
        using var trainer = new Trainer<double>(model, sgd, 4, 1, new TrainerOptions { ClipGrad = 0.25 });
        var before = model.Parameters.Download();
        var batch = new Batch(Enumerable.Range(0, 80).Select(i => (i % 5) / 5f).ToArray(), new byte[4], 4);
        trainer.Step(batch);
        var after = model.Parameters.Download();
        double moved = Math.Sqrt(before.Zip(after, (b, a) => (a - b) * (a - b)).Sum());
        Assert.True(Math.Abs(moved - 0.25) < 1e-9, $"an SGD step of lr 1 moved the parameters by {moved}, the clip norm is 0.25");
    }

    [Fact]
    public void Clipping_needs_a_positive_norm() =>
        Assert.Throws<IlgpuAeException>(() =>
        {
            using var model = new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions { Features = 4, Hidden = [2], Code = 1 });
            using var adam = new Adam();
            return new Trainer<float>(model, adam, 2, 1, new TrainerOptions { ClipGrad = -1 });
        });

    // The guard on the device: whenever the host reads its flag, it reports the first step that diverged, in the words the
    // step-by-step guard uses, with the parameters and the trainer as they were before that step.

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void A_divergence_read_late_names_its_own_step_and_leaves_the_parameters_before_it(int every)
    {
        using var model = new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions { Features = 20, Hidden = [8], Code = 3 });
        using var adam = new Adam();
        using var trainer = new Trainer<float>(model, adam, 4, 1, new TrainerOptions { Path = StepPath.Device, GuardEvery = every });
        Assert.Equal(every, trainer.GuardEvery);
        trainer.Step(Batch(4, 20, 0.5f));
        trainer.Step(Batch(4, 20, 0.25f));
        var before = model.Parameters.Download();
        DivergenceException? e = null;
        try
        {
            trainer.Step(Batch(4, 20, float.PositiveInfinity)); // step 2
            for (int i = 0; i < 10; i++) trainer.Step(Batch(4, 20, 0.5f));
        }
        catch (DivergenceException caught)
        {
            e = caught;
        }
        Assert.NotNull(e);
        Assert.Equal(2, e.Step);
        Assert.Equal("reconstruction", e.Culprit);
        Assert.StartsWith("training diverged at step 2 (epoch 1, batch 1): loss term 'reconstruction' is ", e.Message);
        Assert.Equal(HostPathMessage(), e.Message);
        Assert.Equal(before, model.Parameters.Download());
        Assert.Equal(2, trainer.Steps);
        Assert.Equal(2, adam.Steps);
        // The gate is open again: the next good step trains as the third step would have.
        trainer.Step(Batch(4, 20, 0.5f));
        Assert.NotEqual(before, model.Parameters.Download());
    }

    // The same three steps through the default (host-path, read every step) trainer: the message to match.
    static string HostPathMessage()
    {
        using var model = new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions { Features = 20, Hidden = [8], Code = 3 });
        using var adam = new Adam();
        using var trainer = new Trainer<float>(model, adam, 4, 1, new TrainerOptions { Path = StepPath.Host });
        trainer.Step(Batch(4, 20, 0.5f));
        trainer.Step(Batch(4, 20, 0.25f));
        return Assert.Throws<DivergenceException>(() => trainer.Step(Batch(4, 20, float.PositiveInfinity))).Message;
    }

    [Fact]
    public void A_run_reads_the_guard_at_the_end_of_the_epoch_whatever_the_interval()
    {
        var data = new IlgpuAe.Data.Dataset("patterns", Enumerable.Range(0, 40 * 20).Select(i => (i % 7) / 7f).ToArray(), new byte[40], 5, 4);
        using var model = new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions { Features = 20, Hidden = [8], Code = 3 });
        using var adam = new Adam();
        using var trainer = new Trainer<float>(model, adam, 4, 1, new TrainerOptions { Path = StepPath.Device, GuardEvery = 1000 });
        float[]? poisoned = null;
        int epochs = 0;
        var e = Assert.Throws<DivergenceException>(() =>
        {
            trainer.Run(data, data, 3, onEpoch: _ => epochs++, onBatch: (done, _) =>
            {
                if (done != 3) return;
                // A NaN output bias before step 3: every step from there is not finite, and the gate holds step 3.
                poisoned = model.Parameters.Download();
                poisoned[^1] = float.NaN; // the last output bias: no ReLU between it and the loss
                model.Parameters.Upload(poisoned);
            });
        });
        Assert.Equal(0, epochs);
        Assert.Equal(3, e.Step);
        Assert.Equal("training diverged at step 3 (epoch 1, batch 4): loss term 'reconstruction' is NaN; the parameters were not updated by this step", e.Message);
        Assert.Equal(poisoned, model.Parameters.Download());
        Assert.Equal(3, trainer.Steps);
        Assert.Equal(3, adam.Steps);
    }

    [Fact]
    public void The_guard_interval_must_not_be_negative() =>
        Assert.Throws<IlgpuAeException>(() =>
        {
            using var model = new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions { Features = 4, Hidden = [2], Code = 1 });
            using var adam = new Adam();
            return new Trainer<float>(model, adam, 2, 1, new TrainerOptions { GuardEvery = -1 });
        });
}
