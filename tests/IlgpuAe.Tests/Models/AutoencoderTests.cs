using IlgpuAe.Checkpoints;
using IlgpuAe.Data;
using IlgpuAe.Kernels;
using IlgpuAe.Models;
using IlgpuAe.Ops;
using IlgpuAe.Optim;
using IlgpuAe.Tests.Support;
using IlgpuAe.Training;
using Xunit;
using static IlgpuAe.Tests.Support.TestBatches;

namespace IlgpuAe.Tests.Models;

public class AutoencoderTests
{
    [Theory]
    [InlineData(Reconstruction.Bce, Activation.Tanh)]
    [InlineData(Reconstruction.Mse, Activation.Softplus)]
    [InlineData(Reconstruction.Bce, Activation.Elu)]
    public void Whole_loss_gradient_matches_finite_differences_for_every_parameter(Reconstruction loss, Activation activation)
    {
        using var model = new Autoencoder<double>(TestDevice.Cpu,
            new AutoencoderOptions { Features = 12, Hidden = [7, 5], Code = 3, Activation = activation, Loss = loss }, seed: 3);
        var batch = RandomBatch(6, 12, 11);
        GradAssert.WholeModel(model, batch);
    }

    [Fact]
    public void One_epoch_on_a_small_slice_cuts_the_reconstruction_loss_by_at_least_30_percent()
    {
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 2048);
        var test = data.Test.Slice(0, 512);
        using var model = new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions { Hidden = [128], Code = 16 }, seed: 1);
        using var adam = new Adam(2e-3);
        double before = Trainer<float>.Evaluate(model, test, 128).Terms["reconstruction"];
        var report = new Trainer<float>(model, adam, 32, seed: 1).Run(train, test, epochs: 1).Single();
        double after = report.Terms["reconstruction"];
        Assert.True(after <= 0.7 * before, $"reconstruction went from {before:F1} to {after:F1} per image");
        Assert.Equal(report.TestLoss, report.Terms["reconstruction"], 6);
    }

    [Fact]
    public void Checkpoint_round_trip_gives_bit_identical_parameters_and_the_same_eval_loss()
    {
        var data = FashionMnist.LoadEmbedded();
        var test = data.Test.Slice(0, 300);
        using var model = new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions { Hidden = [64], Code = 8 }, seed: 5);
        using var adam = new Adam();
        new Trainer<float>(model, adam, 64, 5).Run(data.Train.Slice(0, 512), test, 1);
        string path = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelFile.Save(model, path);
            using var loaded = ModelFile.Load<float>(TestDevice.Cpu, path);
            Assert.Equal(model.Parameters.Download(), loaded.Parameters.Download());
            Assert.Equal(model.ConfigJson(), loaded.ConfigJson());
            Assert.Equal(Trainer<float>.Evaluate(model, test, 128).Loss, Trainer<float>.Evaluate(loaded, test, 128).Loss);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Evaluation_weighs_a_partial_last_batch_by_its_rows()
    {
        var data = FashionMnist.LoadEmbedded();
        var test = data.Test.Slice(0, 100);
        using var model = new Autoencoder<double>(TestDevice.Cpu, new AutoencoderOptions { Hidden = [16], Code = 4 }, seed: 2);
        double whole = Trainer<double>.Evaluate(model, test, 100).Loss;
        double split = Trainer<double>.Evaluate(model, test, 32).Loss; // 3 x 32 + 4
        Assert.Equal(whole, split, 9);
    }

    [Fact]
    public void A_batch_of_the_wrong_width_is_refused_with_the_sizes_named()
    {
        using var model = new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions { Features = 10, Hidden = [4], Code = 2 });
        var plan = model.Plan(2, training: true);
        var e = Assert.Throws<IlgpuAeException>(() => model.Feed(plan, RandomBatch(2, 9, 1)));
        Assert.Contains("10 features", e.Message);
    }
}
