using IlgpuAe.Data;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;
using IlgpuAe.Models;
using IlgpuAe.Onnx;
using IlgpuAe.Ops;
using IlgpuAe.Optim;
using IlgpuAe.Tests.Data;
using IlgpuAe.Training;
using Xunit;
using Xunit.Abstractions;

namespace IlgpuAe.Tests.Export;

/// <summary>
/// Every built-in model kind, trained a few steps on the embedded Fashion-MNIST images, exported to ONNX; both graphs
/// run in ONNX Runtime on 16 test images and agree with the engine's own float outputs within 1e-5 (max-norm relative).
/// </summary>
public class OnnxExportTests(ITestOutputHelper log)
{
    const int Rows = 16;
    // Max-norm relative: max |onnx − engine| / max |engine| over each output (OnnxRunner.MaxNormRelative says why).
    const double Tolerance = 1e-5;

    static readonly Lazy<DataSplit> Data = new(() => FashionMnist.LoadEmbedded());

    static Batch TestImages()
    {
        var test = Data.Value.Test.Slice(0, Rows);
        return new Batch(test.Images, test.Labels, Rows);
    }

    static void Train<T>(Model<T> model) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        using var adam = new Adam(1e-3);
        using var trainer = new Trainer<T>(model, adam, batch: 64, seed: 1);
        trainer.Run(Data.Value.Train.Slice(0, 256), Data.Value.Test.Slice(0, 64), epochs: 1);
    }

    void Agree(string what, float[] onnx, float[] engine)
    {
        double error = OnnxRunner.MaxNormRelative(onnx, engine);
        log.WriteLine($"{what}: max-norm relative difference {error:E2} over {engine.Length} values");
        Assert.True(error <= Tolerance, $"{what}: ONNX Runtime and the engine differ by {error:E2} relative");
    }

    public static TheoryData<string> AutoencoderKinds => new() { "ae-bce-relu", "ae-mse-leaky-tanh-code", "dae-elu", "sparse-sigmoid-code", "cae-one-layer" };

    static Autoencoder<float> NewAutoencoder(string name) => name switch
    {
        "ae-bce-relu" => new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions { Hidden = [48], Code = 8 }),
        "ae-mse-leaky-tanh-code" => new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions
            { Hidden = [40, 24], Code = 6, Activation = Activation.LeakyRelu, CodeActivation = Activation.Tanh, Loss = Reconstruction.Mse }),
        "dae-elu" => new DenoisingAutoencoder<float>(TestDevice.Cpu, new DenoisingOptions
            { Autoencoder = new AutoencoderOptions { Hidden = [32], Code = 8, Activation = Activation.Elu } }),
        "sparse-sigmoid-code" => new SparseAutoencoder<float>(TestDevice.Cpu, new SparseOptions
            { Autoencoder = new AutoencoderOptions { Hidden = [32], Code = 8, Activation = Activation.Softplus, CodeActivation = Activation.Sigmoid }, Sparsity = Sparsity.Kl }),
        "cae-one-layer" => new ContractiveAutoencoder<float>(TestDevice.Cpu, new ContractiveOptions()),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(AutoencoderKinds))]
    public void An_autoencoders_encoder_and_decoder_run_in_onnx_runtime_as_in_the_engine(string name)
    {
        using var model = NewAutoencoder(name);
        Train(model);
        using var dir = new TempDirectory();
        var exported = OnnxExport.Export(model, dir.Path);
        Assert.Equal(["x"], exported.EncoderInputs);
        Assert.Equal(["code"], exported.EncoderOutputs);
        Assert.Equal(["code"], exported.DecoderInputs);
        Assert.Equal(["reconstruction"], exported.DecoderOutputs);

        var batch = TestImages();
        var (code, reconstruction) = CleanPass(model, batch);
        var encoded = OnnxRunner.Run(Path.Combine(dir.Path, OnnxExport.EncoderFile), Rows, ("x", batch.Images));
        Agree($"{name} encoder", encoded["code"], code);
        var decoded = OnnxRunner.Run(Path.Combine(dir.Path, OnnxExport.DecoderFile), Rows, ("code", code));
        Agree($"{name} decoder", decoded["reconstruction"], reconstruction);
    }

    // The engine's encoder and decoder on the clean input: the evaluation graph itself, except for a dae, whose
    // evaluation graph corrupts x (its test loss is the denoising loss), so the same modules are applied to x directly.
    static (float[] Code, float[] Reconstruction) CleanPass(Autoencoder<float> model, Batch batch)
    {
        if (model is not DenoisingAutoencoder<float>) return (model.Infer(batch, "code"), model.Infer(batch, "reconstruction"));
        var g = new GraphBuilder<float>(model.Parameters, batch.Rows, training: false);
        var x = g.Input("x", model.Features);
        var h = model.Encoder.Apply(g, x);
        g.Output("code", h);
        g.Output("reconstruction", g.Apply(model.Decoder.Apply(g, h), Activation.Sigmoid));
        using var plan = g.Compile();
        plan.SetInput(x, batch.Images);
        plan.Forward();
        return (plan.Read("code"), plan.Read("reconstruction"));
    }

    public static TheoryData<string> VaeKinds => new() { "vae-diag-bernoulli", "vae-full-gaussian-learned", "vae-gmm-tanh", "vae-full-fixed-variance" };

    static Vae<float> NewVae(string name) => name switch
    {
        "vae-diag-bernoulli" => new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [48], Latent = 4 }),
        "vae-full-gaussian-learned" => new Vae<float>(TestDevice.Cpu, new VaeOptions
            { Hidden = [40, 24], Latent = 3, Posterior = Posterior.Full, Decoder = IlgpuAe.Models.Decoder.Gaussian, Activation = Activation.Softplus }),
        "vae-gmm-tanh" => new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [32], Latent = 4, Prior = Prior.Gmm, Components = 3, Activation = Activation.Tanh }),
        "vae-full-fixed-variance" => new Vae<float>(TestDevice.Cpu, new VaeOptions
            { Hidden = [32], Latent = 5, Posterior = Posterior.Full, Decoder = IlgpuAe.Models.Decoder.Gaussian, DecoderLogVar = -2 }),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(VaeKinds))]
    public void A_vaes_posterior_parameters_and_decoder_mean_run_in_onnx_runtime_as_in_the_engine(string name)
    {
        using var model = NewVae(name);
        Train(model);
        using var dir = new TempDirectory();
        var exported = OnnxExport.Export(model, dir.Path);
        string scale = model.Posterior == Posterior.Diag ? "logvar" : "factor";
        Assert.Equal(["mean", scale], exported.EncoderOutputs);
        Assert.Equal(["z"], exported.DecoderInputs);
        Assert.Equal(model.Decoder.LogVar is null ? ["reconstruction"] : ["reconstruction", "logvar"], exported.DecoderOutputs);

        var batch = TestImages();
        var encoded = OnnxRunner.Run(Path.Combine(dir.Path, OnnxExport.EncoderFile), Rows, ("x", batch.Images));
        var mean = model.Infer(batch, "mean");
        Agree($"{name} encoder mean", encoded["mean"], mean);
        Agree($"{name} encoder {scale}", encoded[scale], model.Infer(batch, "scale"));

        var decoded = OnnxRunner.Run(Path.Combine(dir.Path, OnnxExport.DecoderFile), Rows, ("z", mean));
        Agree($"{name} decoder", decoded["reconstruction"], model.Decode(mean, Rows));
        if (model.Decoder.LogVar is not null) Agree($"{name} decoder logvar", decoded["logvar"], DecoderLogVar(model, mean));
    }

    static float[] DecoderLogVar(Vae<float> model, float[] z)
    {
        var g = new GraphBuilder<float>(model.Parameters, Rows, training: false);
        var zi = g.Input("z", model.Latent);
        g.Output("logvar", model.Decoder.Apply(g, zi).LogVar!);
        using var plan = g.Compile();
        plan.SetInput(zi, z);
        plan.Forward();
        return plan.Read("logvar");
    }

    [Theory]
    [InlineData(Condition.Label)]
    [InlineData(Condition.Masked)]
    public void A_cvae_takes_its_condition_as_a_second_input_of_both_graphs(Condition condition)
    {
        using var model = new Cvae<float>(TestDevice.Cpu, new CvaeOptions { Hidden = [32], Latent = 4, Condition = condition, Block = 10 });
        Train(model);
        using var dir = new TempDirectory();
        var exported = OnnxExport.Export(model, dir.Path);
        Assert.Equal(["x", "c"], exported.EncoderInputs);
        Assert.Equal(["mean", "logvar"], exported.EncoderOutputs);
        Assert.Equal(["z", "c"], exported.DecoderInputs);

        var batch = TestImages();
        var c = model.Conditions(batch, step: 0, out _);
        var encoded = OnnxRunner.Run(Path.Combine(dir.Path, OnnxExport.EncoderFile), Rows, ("x", batch.Images), ("c", c));
        var mean = model.Infer(batch, "mean");
        Agree($"cvae {condition} encoder mean", encoded["mean"], mean);
        Agree($"cvae {condition} encoder logvar", encoded["logvar"], model.Infer(batch, "scale"));
        var decoded = OnnxRunner.Run(Path.Combine(dir.Path, OnnxExport.DecoderFile), Rows, ("z", mean), ("c", c));
        Agree($"cvae {condition} decoder", decoded["reconstruction"], model.Decode(mean, c, Rows));
    }

    sealed class OwnGraphAe(Device d) : Autoencoder<float>(d, new AutoencoderOptions { Features = 4, Hidden = [], Code = 2 })
    {
        public override string Kind => "own-graph";
        protected override void Build(GraphBuilder<float> g) => base.Build(g);
    }

    sealed class PenaltyAe(Device d) : Autoencoder<float>(d, new AutoencoderOptions { Features = 4, Hidden = [], Code = 2 })
    {
        protected override void Regularize(GraphBuilder<float> g, Node<float> x, Node<float> h) => g.Loss("l2", g.SumOfSquares(h));
    }

    [Fact]
    public void A_model_whose_graph_the_exporter_cannot_know_is_refused_by_name_and_a_regularised_subclass_is_exported()
    {
        using var own = new OwnGraphAe(TestDevice.Cpu);
        var e = Assert.Throws<IlgpuAeException>(() => OnnxExport.Build(own));
        Assert.Contains("'own-graph' (OwnGraphAe) cannot be exported", e.Message);
        using var penalty = new PenaltyAe(TestDevice.Cpu);
        Assert.Equal(["code"], OnnxExport.Build(penalty).EncoderOutputs);
    }
}
