using System.Text.Json;
using IlgpuAe.Checkpoints;
using IlgpuAe.Cli.Recipes;
using IlgpuAe.Data;
using IlgpuAe.Optim;
using IlgpuAe.Plots;
using IlgpuAe.Training;

namespace IlgpuAe.Cli.Commands;

/// <summary>`ilgpu-ae train`: trains a model and writes metrics.jsonl, model.safetensors, reconstructions.png and loss.png.</summary>
public static class TrainCommand
{
    const string CommonHelp = """
        usage: ilgpu-ae train [--model MODEL] [options]

          --model MODEL               model to train: {0} (default ae)
          --data DIR                  Fashion-MNIST IDX files (default: /usr/share/datasets/fashion-mnist
                                      if present, else the embedded 10k test set split 8000/2000)
          --epochs N                  epochs (default 5)
          --batch B                   batch size (default 128)
          --lr X                      learning rate (default 1e-3)
          --seed S                    seed of initialisation, data order and noise (default 1)
          --backend auto|cuda|opencl|cpu   device (default auto: CUDA, then OpenCL, then CPU)
          --out DIR                   output directory (default runs/<model>)
          --optimizer adam|adamw|sgd  (default adam)
          --weight-decay X            (default 0; AdamW default 0.01)
          --momentum X                SGD momentum (default 0.9)
          --limit N                   use only the first N training images (quick runs)
          --quiet                     no progress bar
        """;

    public static string Help =>
        string.Format(System.Globalization.CultureInfo.InvariantCulture, CommonHelp, string.Join("|", ModelRecipes.All.Select(r => r.Kind)))
        + string.Concat(ModelRecipes.All.Select(r => $"\n  options of --model {r.Kind}:\n{r.Help}"));

    static readonly string[] CommonOptions =
        ["model", "data", "epochs", "batch", "lr", "seed", "backend", "out", "optimizer", "weight-decay", "momentum", "limit"];

    public static int Run(string[] argv, TextWriter stdout, TextWriter stderr)
    {
        var recipe = ModelRecipes.Find(ModelArgument(argv) ?? "ae");
        var args = Args.Parse("train", argv, [.. CommonOptions, .. recipe.Options], ["quiet", .. recipe.Flags]);
        string kind = recipe.Kind;
        int epochs = args.Int("epochs", 5, 0, 100_000);
        int batch = args.Int("batch", 128, 1, 1 << 20);
        double lr = args.Double("lr", 1e-3, 0, 10, exclusiveMin: true);
        ulong seed = args.ULong("seed", 1);
        var backend = BackendNames.Parse(args.String("backend", "auto"));
        string outDir = args.String("out", Path.Combine("runs", kind));
        var optimizer = MakeOptimizer(args, lr);
        int limit = args.Int("limit", int.MaxValue, 1);
        bool quiet = args.Has("quiet");

        var data = FashionMnist.Load(args.String("data"));
        var train = limit < data.Train.Count ? data.Train.Slice(0, limit) : data.Train;
        if (train.Count < batch)
            throw new UsageException($"--batch {batch} is larger than the {train.Count} training images");

        using var device = Device.Open(backend);
        using var model = recipe.Create(device, args, train, seed);
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
            ["epochs"] = reports.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var written = new List<string> { "metrics.jsonl", "model.safetensors" };
        written.AddRange(recipe.Pictures(model, data, outDir));
        if (reports.Count > 0)
        {
            LossPlot.Save(Path.Combine(outDir, "loss.png"), $"{kind}: loss per image", "loss per image",
                [("train", reports.Select(r => r.TrainLoss).ToArray()), ("test", reports.Select(r => r.TestLoss).ToArray())]);
            written.Add("loss.png");
        }
        stdout.WriteLine($"wrote {string.Join(", ", written)} in {outDir}");
        return 0;
    }

    /// <summary>The value of --model, read before the full parse because it decides which options exist.</summary>
    static string? ModelArgument(string[] argv)
    {
        for (int i = 0; i < argv.Length; i++)
        {
            if (argv[i] == "--model") return i + 1 < argv.Length ? argv[i + 1] : throw new UsageException("train: --model needs a value");
            if (argv[i].StartsWith("--model=", StringComparison.Ordinal)) return argv[i]["--model=".Length..];
        }
        return null;
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

    static Optimizer MakeOptimizer(Args args, double lr) => args.Choice("optimizer", "adam", "adam", "adamw", "sgd") switch
    {
        "adamw" => new AdamW(lr, args.Double("weight-decay", 1e-2, 0)),
        "sgd" => new Sgd(lr, args.Double("momentum", 0.9, 0, 0.999999), args.Double("weight-decay", 0, 0)),
        _ => new Adam(lr, weightDecay: args.Double("weight-decay", 0, 0)),
    };
}
