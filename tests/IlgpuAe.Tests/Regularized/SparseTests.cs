using IlgpuAe.Data;
using IlgpuAe.Kernels;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Tests.Support;
using IlgpuAe.Training;
using Xunit;

namespace IlgpuAe.Tests.Regularized;

/// <summary>The sparse autoencoder: whole-loss gradient, training, reported code statistics, refused options.</summary>
public class SparseTests
{
    static SparseOptions Small(Sparsity sparsity, double lambda = 0.3) => new()
    {
        Autoencoder = new AutoencoderOptions
        {
            Features = 12, Hidden = [7], Code = 4, Activation = Activation.Tanh,
            CodeActivation = sparsity == Sparsity.Kl ? Activation.Sigmoid : Activation.Softplus,
        },
        Sparsity = sparsity,
        Lambda = lambda,
        Rho = 0.1,
    };

    [Theory]
    [InlineData(Sparsity.L1)]
    [InlineData(Sparsity.Kl)]
    public void Whole_loss_gradient_matches_finite_differences_for_every_parameter(Sparsity sparsity)
    {
        // Softplus codes are positive, so the L1 kink at 0 is never probed.
        using var model = new SparseAutoencoder<double>(TestDevice.Cpu, Small(sparsity), seed: 3);
        var batch = TestBatches.RandomBatch(6, 12, 13);
        var plan = GradAssert.WholeModel(model, batch);
        Assert.Equal(["reconstruction", "sparsity", "code_mean_abs", "code_below_1e-3"], plan.TermNames);
        Assert.Equal([1, 0.3, 0, 0], plan.TermWeights);
    }

    [Theory]
    [InlineData(Sparsity.L1, 1.0)]
    [InlineData(Sparsity.Kl, 3.0)]
    public void Training_lowers_the_loss_and_the_penalty_makes_the_code_sparser_than_without_it(Sparsity sparsity, double lambda)
    {
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 1024);
        var test = data.Test.Slice(0, 256);
        EpochReport Fit(double l, out double before)
        {
            var options = Small(sparsity, l) with
            {
                Autoencoder = new AutoencoderOptions
                {
                    Hidden = [64], Code = 32,
                    CodeActivation = sparsity == Sparsity.Kl ? Activation.Sigmoid : Activation.Relu,
                },
            };
            using var model = new SparseAutoencoder<float>(TestDevice.Cpu, options, seed: 1);
            using var adam = new Adam(2e-3);
            before = Trainer<float>.Evaluate(model, test, 128).Loss;
            return new Trainer<float>(model, adam, 32, seed: 1).Run(train, test, epochs: 1).Single();
        }
        var sparse = Fit(lambda, out double start);
        var plain = Fit(0, out _);
        Assert.True(sparse.TestLoss <= 0.8 * start, $"the loss went from {start:F1} to {sparse.TestLoss:F1}");
        double activity = sparse.Terms["code_mean_abs"], plainActivity = plain.Terms["code_mean_abs"];
        Assert.True(activity < 0.7 * plainActivity, $"mean |h| {activity:F4} with lambda {lambda}, {plainActivity:F4} without");
        Assert.InRange(sparse.TrainTerms["code_below_1e-3"], 0, 1);
    }

    [Theory]
    [InlineData(-0.1, 0.05, "lambda must be zero or positive")]
    [InlineData(0.1, 0.0, "rho must be in (0, 1)")]
    [InlineData(0.1, 1.0, "rho must be in (0, 1)")]
    public void Meaningless_options_are_refused_with_the_option_named(double lambda, double rho, string mentions)
    {
        var e = Assert.Throws<IlgpuAeException>(() => new SparseAutoencoder<float>(TestDevice.Cpu, Small(Sparsity.Kl, lambda) with { Rho = rho }));
        Assert.Contains(mentions, e.Message);
    }

    [Fact]
    public void Kl_sparsity_without_sigmoid_codes_is_refused()
    {
        var options = Small(Sparsity.Kl) with { Autoencoder = Small(Sparsity.L1).Autoencoder };
        Assert.Contains("sigmoid", Assert.Throws<IlgpuAeException>(() => new SparseAutoencoder<float>(TestDevice.Cpu, options)).Message);
    }
}
