using IlgpuAe.Data;
using IlgpuAe.Kernels;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Tests.Support;
using IlgpuAe.Training;
using Xunit;
using IlgpuAe.Diagnostics;

namespace IlgpuAe.Tests.Regularized;

/// <summary>The contractive autoencoder: whole-loss gradients for each Jacobian method, training, the spectrum it leaves, refused options.</summary>
public class ContractiveTests
{
    static ContractiveOptions Small(int[] hidden, JacobianMethod method, double lambda = 0.7) => new()
    {
        Autoencoder = new AutoencoderOptions
        {
            Features = 10, Hidden = hidden, Code = 4, Activation = Activation.Tanh, CodeActivation = Activation.Sigmoid,
        },
        Lambda = lambda,
        Jacobian = method,
        Probes = 3,
    };

    public static TheoryData<int[], JacobianMethod> Methods() => new()
    {
        { [], JacobianMethod.Exact },       // the fused one-layer kernel
        { [6], JacobianMethod.Exact },      // the chain of layer Jacobians
        { [6, 5], JacobianMethod.Exact },
        { [6], JacobianMethod.Hutchinson },
    };

    [Theory, MemberData(nameof(Methods))]
    public void Whole_loss_gradient_matches_finite_differences_for_every_parameter(int[] hidden, JacobianMethod method)
    {
        using var model = new ContractiveAutoencoder<double>(TestDevice.Cpu, Small(hidden, method), seed: 3);
        var batch = TestBatches.RandomBatch(5, 10, 17);
        var plan = GradAssert.WholeModel(model, batch, step: 4);
        Assert.True(plan.Term("contractive") > 0);
    }

    [Fact]
    public void The_fused_and_the_chain_penalty_agree_on_a_one_layer_encoder()
    {
        using var model = new ContractiveAutoencoder<double>(TestDevice.Cpu, Small([], JacobianMethod.Exact), seed: 8);
        var batch = TestBatches.RandomBatch(6, 10, 2);
        var plan = model.Plan(6, training: false);
        model.Feed(plan, batch);
        plan.Forward();
        var spectrum = JacobianSpectrum.Compute(model, new Dataset("random", batch.Images, batch.Labels, 10, 1), 6);
        Assert.Equal(plan.Term("contractive"), spectrum.MeanFrobeniusSquared, 1e-5 * spectrum.MeanFrobeniusSquared);
    }

    [Theory]
    [InlineData(JacobianMethod.Exact)]
    [InlineData(JacobianMethod.Hutchinson)]
    public void One_epoch_cuts_the_loss_by_at_least_20_percent(JacobianMethod method)
    {
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 1024);
        var test = data.Test.Slice(0, 256);
        var options = Small([64], method, lambda: 10) with
        {
            Autoencoder = new AutoencoderOptions { Hidden = [64], Code = 16, CodeActivation = Activation.Sigmoid },
        };
        using var model = new ContractiveAutoencoder<float>(TestDevice.Cpu, options, seed: 1);
        using var adam = new Adam(2e-3);
        double before = Trainer<float>.Evaluate(model, test, 128).Loss;
        var report = new Trainer<float>(model, adam, 32, seed: 1).Run(train, test, epochs: 1).Single();
        Assert.True(report.TestLoss <= 0.8 * before, $"the loss went from {before:F1} to {report.TestLoss:F1}");
    }

    [Fact]
    public void A_cae_contracts_more_than_the_same_plain_autoencoder_and_its_spectrum_falls_faster()
    {
        // One sigmoid layer with a wide code (64 units), the same seed, data order and 4 epochs of 2048 images. λ = 100 is
        // "clearly positive" here: the reconstruction term is a sum over 784 pixels (~250 per image).
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 2048);
        var test = data.Test.Slice(0, 128);
        SpectrumResult Fit(Autoencoder<float> model)
        {
            using var adam = new Adam(2e-3);
            new Trainer<float>(model, adam, 32, seed: 1).Run(train, test, epochs: 4);
            return JacobianSpectrum.Compute(model, test, 32);
        }
        var sizes = new AutoencoderOptions { Hidden = [], Code = 64, CodeActivation = Activation.Sigmoid };
        using var plain = new Autoencoder<float>(TestDevice.Cpu, sizes, seed: 1);
        using var cae = new ContractiveAutoencoder<float>(TestDevice.Cpu, new ContractiveOptions { Autoencoder = sizes, Lambda = 100 }, seed: 1);
        var ae = Fit(plain);
        var c = Fit(cae);
        Assert.True(c.MeanFrobeniusSquared < 0.1 * ae.MeanFrobeniusSquared,
            $"‖J‖²_F: cae {c.MeanFrobeniusSquared:G4}, ae {ae.MeanFrobeniusSquared:G4}");
        // Faster-falling: relative to its own largest singular value, the CAE's spectrum lies well below the
        // AE's over the leading directions. Measured (this seed, 2026-11-25): σk/σ1 = 0.32, 0.21, 0.14 for the
        // CAE against 0.67, 0.34, 0.22 for the AE at k = 2, 4, 8; the two meet near k = 16, so the tail is not asserted.
        foreach (int k in new[] { 2, 4, 8 })
            Assert.True(c.Relative(k - 1) < 0.8 * ae.Relative(k - 1), $"σ{k}/σ1: cae {c.Relative(k - 1):G3}, ae {ae.Relative(k - 1):G3}");
    }

    [Theory]
    [InlineData(-1.0, 4, "lambda must be zero or positive")]
    [InlineData(1.0, 0, "probes >= 1")]
    public void Meaningless_options_are_refused_with_the_option_named(double lambda, int probes, string mentions)
    {
        var options = Small([], JacobianMethod.Hutchinson, lambda) with { Probes = probes };
        var e = Assert.Throws<IlgpuAeException>(() => new ContractiveAutoencoder<float>(TestDevice.Cpu, options));
        Assert.Contains(mentions, e.Message);
    }

    [Fact]
    public void Singular_values_of_a_known_matrix_are_found()
    {
        // diag(3, 2, 0.5) rotated on both sides: singular values 3, 2, 0.5 whatever the rotations.
        double c = Math.Cos(0.3), s = Math.Sin(0.3), c2 = Math.Cos(1.1), s2 = Math.Sin(1.1);
        double[,] u = { { c, -s, 0 }, { s, c, 0 }, { 0, 0, 1 } }, v = { { 1, 0, 0, 0 }, { 0, c2, -s2, 0 }, { 0, s2, c2, 0 }, { 0, 0, 0, 1 } };
        double[] d = [3, 2, 0.5];
        var j = new double[12];
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 4; b++)
                j[a * 4 + b] = Enumerable.Range(0, 3).Sum(k => u[a, k] * d[k] * v[k, b]);
        var sv = JacobianSpectrum.SingularValues(j, 0, 3, 4);
        Assert.Equal([3, 2, 0.5], sv, new ToleranceComparer(1e-12));
    }
}
