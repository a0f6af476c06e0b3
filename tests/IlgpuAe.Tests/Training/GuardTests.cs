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
}
