using System.Text.Json;
using IlgpuAe.Checkpoints;
using IlgpuAe.Data;
using IlgpuAe.Kernels;
using IlgpuAe.Models;
using IlgpuAe.Ops;
using IlgpuAe.Optim;
using IlgpuAe.Plots;
using IlgpuAe.Training;

namespace IlgpuAe.Cli.Commands;

/// <summary>`ilgpu-ae train`: trains a model and writes metrics.jsonl, model.safetensors, reconstructions.png and loss.png.</summary>
public static class TrainCommand
{
    public const string Help = """
        usage: ilgpu-ae train [options]

          --model ae                  model to train (default ae)
          --data DIR                  Fashion-MNIST IDX files (default: /usr/share/datasets/fashion-mnist
                                      if present, else the embedded 10k test set split 8000/2000)
          --epochs N                  epochs (default 5)
          --batch B                   batch size (default 128)
          --lr X                      learning rate (default 1e-3)
          --seed S                    seed of initialisation, data order and noise (default 1)
          --backend auto|cuda|opencl|cpu   device (default auto: CUDA, then OpenCL, then CPU)
          --out DIR                   output directory (default runs/<model>)
          --hidden 400[,200...]       hidden layer sizes of the encoder (decoder mirrors them)
          --code N                    code size (default 32)
          --activation relu|leaky_relu|tanh|sigmoid|elu|softplus   hidden activation (default relu)
          --loss bce|mse              reconstruction loss (default bce)
          --optimizer adam|adamw|sgd  (default adam)
          --weight-decay X            (default 0; AdamW default 0.01)
          --momentum X                SGD momentum (default 0.9)
          --limit N                   use only the first N training images (quick runs)
          --quiet                     no progress bar
        """;

    static readonly string[] Options =
        ["model", "data", "epochs", "batch", "lr", "seed", "backend", "out", "hidden", "code", "activation", "loss",
         "optimizer", "weight-decay", "momentum", "limit"];

    public static int Run(string[] argv, TextWriter stdout, TextWriter stderr)
    {
        var args = Args.Parse("train", argv, Options, ["quiet"]);
        string kind = args.Choice("model", "ae", "ae");
        int epochs = args.Int("epochs", 5, 0, 100_000);
        int batch = args.Int("batch", 128, 1, 1 << 20);
        double lr = args.Double("lr", 1e-3, 0, 10, exclusiveMin: true);
        ulong seed = args.ULong("seed", 1);
        var backend = BackendNames.Parse(args.String("backend", "auto"));
        string outDir = args.String("out", Path.Combine("runs", kind));
        var options = new AutoencoderOptions
        {
            Hidden = args.IntList("hidden", [400]),
            Code = args.Int("code", 32, 1, 1 << 16),
            Activation = ParseActivation(args.String("activation", "relu")),
            Loss = args.Choice("loss", "bce", "bce", "mse") == "bce" ? Reconstruction.Bce : Reconstruction.Mse,
        };
        var optimizer = MakeOptimizer(args, lr);
        int limit = args.Int("limit", int.MaxValue, 1);
        bool quiet = args.Has("quiet");

        var data = FashionMnist.Load(args.String("data"));
        var train = limit < data.Train.Count ? data.Train.Slice(0, limit) : data.Train;
        if (train.Count < batch)
            throw new UsageException($"--batch {batch} is larger than the {train.Count} training images");
        options = options with { Features = train.Features };

        using var device = Device.Open(backend);
        using var model = new Autoencoder<float>(device, options, seed);
        using var _ = optimizer;
        Directory.CreateDirectory(outDir);
        stdout.WriteLine($"data: {data.Source} ({train.Count} train, {data.Test.Count} test)");
        stdout.WriteLine($"device: {device.Name} ({Device.BackendName(device.Backend)}); model {kind}, {model.Parameters.Count:N0} parameters; {optimizer.Name} lr {lr}; batch {batch}; seed {seed}");

        var trainer = new Trainer<float>(model, optimizer, batch, seed);
        var metricsPath = Path.Combine(outDir, "metrics.jsonl");
        File.WriteAllText(metricsPath, "");
        var progress = quiet ? null : new ProgressBar(stderr);
        var reports = trainer.Run(train, data.Test, epochs,
            onEpoch: r =>
            {
                progress?.Done();
                stdout.WriteLine(r.ToString());
                File.AppendAllText(metricsPath, MetricsLine(r) + "\n");
            },
            onBatch: (done, total) => progress?.Report(done, total));

        string modelPath = Path.Combine(outDir, "model.safetensors");
        ModelFile.Save(model, modelPath, new Dictionary<string, string>
        {
            ["image_width"] = data.Test.Width.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["image_height"] = data.Test.Height.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["batch"] = batch.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["epochs"] = (trainer.Steps == 0 ? 0 : reports.Count).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        Pictures.Reconstructions(model, data.Test, Path.Combine(outDir, "reconstructions.png"));
        if (reports.Count > 0)
            LossPlot.Save(Path.Combine(outDir, "loss.png"), $"{kind}: loss per image", "loss per image",
                [("train", reports.Select(r => r.TrainLoss).ToArray()), ("test", reports.Select(r => r.TestLoss).ToArray())]);
        stdout.WriteLine($"wrote {metricsPath}, {modelPath}, reconstructions.png{(reports.Count > 0 ? ", loss.png" : "")} in {outDir}");
        return 0;
    }

    /// <summary>One metrics.jsonl line: the keys the README documents.</summary>
    public static string MetricsLine(EpochReport r) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["epoch"] = r.Epoch,
        ["train_loss"] = r.TrainLoss,
        ["test_loss"] = r.TestLoss,
        ["terms"] = r.Terms,
        ["train_terms"] = r.TrainTerms,
        ["seconds"] = r.Seconds,
        ["samples_per_second"] = r.SamplesPerSecond,
        ["steps"] = r.Steps,
    });

    static Activation ParseActivation(string s) => s.ToLowerInvariant() switch
    {
        "relu" => Activation.Relu,
        "leaky_relu" or "leakyrelu" => Activation.LeakyRelu,
        "tanh" => Activation.Tanh,
        "sigmoid" => Activation.Sigmoid,
        "elu" => Activation.Elu,
        "softplus" => Activation.Softplus,
        "identity" or "linear" => Activation.Identity,
        _ => throw new UsageException($"--activation must be one of relu, leaky_relu, tanh, sigmoid, elu, softplus, identity, got '{s}'"),
    };

    static Optimizer MakeOptimizer(Args args, double lr) => args.Choice("optimizer", "adam", "adam", "adamw", "sgd") switch
    {
        "adamw" => new AdamW(lr, args.Double("weight-decay", 1e-2, 0)),
        "sgd" => new Sgd(lr, args.Double("momentum", 0.9, 0, 0.999999), args.Double("weight-decay", 0, 0)),
        _ => new Adam(lr, weightDecay: args.Double("weight-decay", 0, 0)),
    };
}
