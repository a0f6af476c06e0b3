using IlgpuAe.Checkpoints;
using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Training;
using Xunit;

namespace IlgpuAe.Tests.Vae;

/// <summary>The linear-layer initialisation schemes of a VAE, its data-mean output bias (issue 3's quality bar) and the trainer's short last batch.</summary>
public class VaeInitTests
{
    [Fact]
    public void PyTorch_scheme_draws_weights_and_biases_uniform_within_one_over_root_fan_in()
    {
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Initialisation = InitScheme.PyTorch }, seed: 1);
        var values = model.Parameters.InitialValues();
        Assert.Equal(10, model.Parameters.Parameters.Count);
        foreach (var p in model.Parameters.Parameters)
        {
            Assert.Equal(Init.FanInUniform, p.Init);
            double bound = 1 / Math.Sqrt(p.FanIn);
            var v = values.AsSpan((int)p.Offset, (int)p.Length).ToArray().Select(x => (double)x).ToArray();
            Assert.All(v, x => Assert.InRange(Math.Abs(x), 0, bound));
            // U(-b, b): mean 0, variance b²/3; every layer is at least 20 wide, so these bounds hold by many standard errors.
            double mean = v.Average(), variance = v.Select(x => x * x).Average();
            Assert.InRange(mean, -0.5 * bound, 0.5 * bound);
            Assert.InRange(variance, 0.5 * bound * bound / 3, 1.5 * bound * bound / 3);
        }
        Assert.Equal(1 / Math.Sqrt(784), 1 / Math.Sqrt(model.Parameters["encoder.0.bias"].FanIn), 12);
        Assert.Equal(1 / Math.Sqrt(400), 1 / Math.Sqrt(model.Parameters["encoder.head.logvar.bias"].FanIn), 12);
    }

    [Fact]
    public void PyTorch_scheme_with_a_data_mean_output_bias_is_the_default()
    {
        var defaults = new VaeOptions();
        Assert.Equal(InitScheme.PyTorch, defaults.Initialisation);
        Assert.Equal(OutputBias.DataMean, defaults.OutputBias);
    }

    [Fact]
    public void Engine_scheme_draws_he_and_xavier_weights_and_zero_biases()
    {
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Initialisation = InitScheme.Engine }, seed: 1);
        var values = model.Parameters.InitialValues();
        Assert.Equal(Init.He, model.Parameters["encoder.0.weight"].Init);
        Assert.Equal(Init.Xavier, model.Parameters["encoder.head.mean.weight"].Init);
        foreach (var p in model.Parameters.Parameters.Where(p => p.Name.EndsWith(".bias", StringComparison.Ordinal)))
            Assert.All(values.AsSpan((int)p.Offset, (int)p.Length).ToArray(), x => Assert.Equal(0f, x));
    }

    [Theory]
    [InlineData(Decoder.Bernoulli)]
    [InlineData(Decoder.Gaussian)]
    public void Data_mean_output_bias_makes_the_untrained_decoder_predict_the_mean_image(Decoder decoder)
    {
        // Three 2x2 "images": pixel 0 always 0, pixel 3 always 1 (both clamp to 0.001 / 0.999 under Bernoulli).
        var images = new float[] { 0, 0.2f, 0.5f, 1, 0, 0.4f, 0.5f, 1, 0, 0.6f, 0.5f, 1 };
        var data = new Dataset("tiny", images, [0, 1, 2], 2, 2, classes: 3);
        using var model = new Vae<double>(TestDevice.Cpu, new VaeOptions { Features = 4, Hidden = [3], Latent = 2, Decoder = decoder }, seed: 1);
        var before = model.Parameters.Download();
        model.InitialiseFromData(data);
        var after = model.Parameters.Download();
        var bias = model.Decoder.Out.Bias;
        double[] means = decoder == Decoder.Bernoulli ? [0.001, 0.4, 0.5, 0.999] : [0, 0.4, 0.5, 1];
        for (int j = 0; j < 4; j++)
        {
            double expected = decoder == Decoder.Bernoulli ? Math.Log(means[j] / (1 - means[j])) : means[j];
            Assert.Equal(expected, after[bias.Offset + j], 6);
        }
        // Nothing but that bias moves.
        for (long i = 0; i < before.Length; i++)
            if (i < bias.Offset || i >= bias.Offset + bias.Length) Assert.Equal(before[i], after[i]);
    }

    [Fact]
    public void Output_bias_init_leaves_the_initialisation_alone_and_mismatched_data_is_refused()
    {
        var data = FashionMnist.LoadEmbedded().Test.Slice(0, 10);
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [8], Latent = 2, OutputBias = OutputBias.Init }, seed: 1);
        var before = model.Parameters.Download();
        model.InitialiseFromData(data);
        Assert.Equal(before, model.Parameters.Download());

        using var narrow = new Vae<float>(TestDevice.Cpu, new VaeOptions { Features = 10, Hidden = [8], Latent = 2 }, seed: 1);
        var e = Assert.Throws<IlgpuAeException>(() => narrow.InitialiseFromData(data));
        Assert.Contains("784 features", e.Message);
    }

    [Fact]
    public void The_trainer_initialises_from_data_at_the_start_of_a_run_and_never_on_resume()
    {
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 64);
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [8], Latent = 2 }, seed: 1);
        var bias = model.Decoder.Out.Bias;
        using var adam = new Adam(1e-3);
        using var trainer = new Trainer<float>(model, adam, 32, 1);
        trainer.Run(train, data.Test.Slice(0, 32), 0); // zero epochs: initialisation only
        double corner = model.Parameters.Download()[bias.Offset]; // the top-left pixel is 0 in every image
        Assert.Equal(Math.Log(0.001 / 0.999), corner, 4);

        trainer.Run(train, data.Test.Slice(0, 32), 1);
        var trained = model.Parameters.Download();
        trained[bias.Offset] = 5f; // a marker the hook would overwrite
        model.Parameters.Upload(trained);
        trainer.Run(train, data.Test.Slice(0, 32), 2); // continues with epoch 2: no re-initialisation
        Assert.InRange(model.Parameters.Download()[bias.Offset], 4.9f, 5.1f); // two Adam steps of lr 1e-3 from the marker
    }

    [Fact]
    public void Evaluating_before_training_does_not_stop_the_data_initialisation()
    {
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 64);
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [8], Latent = 2 }, seed: 1);
        Trainer<float>.Evaluate(model, data.Test.Slice(0, 32), 32); // materialises the parameters from the drawn values
        Assert.False(model.Parameters.Uploaded);
        using var adam = new Adam(1e-3);
        using var trainer = new Trainer<float>(model, adam, 32, 1);
        trainer.Run(train, data.Test.Slice(0, 32), 0);
        Assert.Equal(Math.Log(0.001 / 0.999), model.Parameters.Download()[model.Decoder.Out.Bias.Offset], 4);
    }

    [Fact]
    public void A_loaded_model_is_fine_tuned_from_its_own_values_not_reinitialised()
    {
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 64);
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [8], Latent = 2 }, seed: 1);
        var bias = model.Decoder.Out.Bias;
        var loaded = model.Parameters.Download();
        loaded[bias.Offset] = 5f; // what a checkpoint might hold
        model.Parameters.Upload(loaded);
        using var adam = new Adam(1e-3);
        using var trainer = new Trainer<float>(model, adam, 32, 1);
        trainer.Run(train, data.Test.Slice(0, 32), 1);
        Assert.InRange(model.Parameters.Download()[bias.Offset], 4.9f, 5.1f); // two Adam steps of lr 1e-3 from 5
    }

    [Fact]
    public void The_scheme_is_saved_with_the_options_and_a_reload_keeps_the_values()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ilgpu-ae-init-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string file = Path.Combine(dir, "m.safetensors");
            using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [8], Latent = 2, Initialisation = InitScheme.PyTorch }, seed: 3);
            ModelFile.Save(model, file);
            using var back = (Vae<float>)ModelFile.Load<float>(TestDevice.Cpu, file);
            Assert.Equal(InitScheme.PyTorch, back.Options.Initialisation);
            Assert.Equal(model.Parameters.Download(), back.Parameters.Download());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData(false, 3)]
    [InlineData(true, 4)]
    public void KeepLastBatch_also_trains_the_short_last_batch(bool keep, int stepsPerEpoch)
    {
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 3 * 32 + 10);
        var test = data.Test.Slice(0, 64);
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [16], Latent = 2 }, seed: 1);
        using var adam = new Adam(1e-3);
        using var trainer = new Trainer<float>(model, adam, 32, 1, new TrainerOptions { KeepLastBatch = keep });
        var reports = trainer.Run(train, test, 2);
        Assert.Equal(2 * stepsPerEpoch, trainer.Steps);
        Assert.All(reports, r => Assert.True(double.IsFinite(r.TrainLoss) && r.TrainLoss > 0, $"train loss {r.TrainLoss}"));
    }
}
