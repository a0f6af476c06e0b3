using System.Globalization;
using System.Text.Json;
using IlgpuAe.Checkpoints;
using IlgpuAe.Cli.Recipes;
using IlgpuAe.Data;
using IlgpuAe.Files;
using IlgpuAe.Models;
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
          --eps X                     Adam/AdamW epsilon (default 1e-8); a loss summed over a batch of B
                                      instead of averaged trains exactly as the mean with --eps 1e-8/B
          --limit N                   use only the first N training images (quick runs)
          --checkpoint-every N        write DIR/checkpoint.safetensors every N steps (always at each epoch's end)
          --clip-grad X               clip the global gradient norm to X
          --keep-last-batch           also train each epoch's short last batch (PyTorch's drop_last=False; default: drop it)
          --resume DIR                continue the run in DIR exactly where its checkpoint left it
                                      (may change only --epochs, --backend, --checkpoint-every, --quiet)
          --force                     with --resume: resume even though DIR/model.safetensors holds another model, and overwrite it
          --quiet                     no progress bar
        """;

    public static string Help =>
        string.Format(System.Globalization.CultureInfo.InvariantCulture, CommonHelp, string.Join("|", ModelRecipes.All.Select(r => r.Kind)))
        + string.Concat(ModelRecipes.All.Select(r => $"\n  options of --model {r.Kind}:\n{r.Help}"));

    static readonly string[] CommonOptions =
        ["model", "data", "epochs", "batch", "lr", "seed", "backend", "out", "optimizer", "weight-decay", "momentum", "eps", "limit",
         "checkpoint-every", "clip-grad"];

    public static int Run(string[] argv, TextWriter stdout, TextWriter stderr)
    {
        string? resumeDir = ResumeArgument(argv);
        if (resumeDir is not null) argv = ResumedArguments(resumeDir, argv);
        var recipe = ModelRecipes.Find(ModelArgument(argv) ?? "ae");
        var args = Args.Parse("train", argv, [.. CommonOptions, .. recipe.Options], ["quiet", "keep-last-batch", "force", .. recipe.Flags]);
        if (args.Has("force") && resumeDir is null) throw new UsageException("train: --force applies only with --resume");
        string kind = recipe.Kind;
        int epochs = args.Int("epochs", 5, 0, RunLimits.MaxEpochs);
        int batch = args.Int("batch", 128, 1, RunLimits.MaxBatch);
        double lr = args.Double("lr", 1e-3, 0, 10, exclusiveMin: true);
        ulong seed = args.ULong("seed", 1);
        var backend = BackendNames.Parse(args.String("backend", "auto"));
        string outDir = args.String("out", Path.Combine("runs", kind));
        var trainerOptions = new TrainerOptions
        {
            CheckpointEvery = args.Int("checkpoint-every", 0, 1),
            ClipGrad = args.Has("clip-grad") ? args.Double("clip-grad", 1, 0, double.PositiveInfinity, exclusiveMin: true) : null,
            KeepLastBatch = args.Has("keep-last-batch"),
        };
        var optimizer = MakeOptimizer(args, lr);
        int limit = args.Int("limit", int.MaxValue, 1);
        bool quiet = args.Has("quiet");

        var data = DataSources.Load(args.String("data"));
        var train = limit < data.Train.Count ? data.Train.Slice(0, limit) : data.Train;
        if (train.Count < batch)
            throw new UsageException($"--batch {batch} is larger than the {train.Count} training images");

        using var device = Device.Open(backend);
        using var runLock = RunLock.Acquire(outDir);
        if (runLock.StalePid is int stalePid)
            stdout.WriteLine($"note: the previous run in {outDir} (process {stalePid}) ended without releasing its lock; it was killed or crashed");
        string checkpointPath = Path.Combine(outDir, RunCheckpoint.FileName);
        Model<float> model;
        var state = TrainerState.Start;
        if (resumeDir is not null)
        {
            // A writer killed mid-write leaves its temporary file; the renamed checkpoint is the good one.
            foreach (var stale in Directory.EnumerateFiles(outDir, $".{RunCheckpoint.FileName}.*.tmp")) File.Delete(stale);
            (model, var resume) = RunCheckpoint.Load<float>(device, checkpointPath);
            if (resume.OptimizerName != optimizer.Name)
                throw new IlgpuAeException($"{checkpointPath} was written by optimizer {resume.OptimizerName}, not {optimizer.Name}");
            optimizer.Restore(model.Parameters, resume.OptimizerState, resume.OptimizerSteps);
            ResumeRules.Check(checkpointPath, resume, model, train.Count, batch, trainerOptions.KeepLastBatch, epochs);
            if (ResumeRules.ModelFileConflict(outDir, checkpointPath, resume.Metadata) is { } conflict && !args.Has("force"))
                throw new IlgpuAeException($"cannot resume: {conflict}; pass --force to resume and overwrite it.");
            state = resume.State;
        }
        else
        {
            model = recipe.Create(device, args, train, seed);
        }
        using var _ = model;
        using var __ = optimizer;
        Directory.CreateDirectory(outDir);
        stdout.WriteLine($"data: {data.Source} ({train.Count} train, {data.Test.Count} test)");
        stdout.WriteLine($"device: {device.Name} ({Device.BackendName(device.Backend)}); model {kind}, {model.Parameters.Count:N0} parameters; {optimizer.Name} lr {lr}; batch {batch}; seed {seed}");
        if (resumeDir is not null)
            stdout.WriteLine($"resuming {outDir} at epoch {state.Epoch}, batch {state.Batch} (step {state.Steps})");

        using var trainer = new Trainer<float>(model, optimizer, batch, seed, trainerOptions) { State = state };
        var metricsPath = Path.Combine(outDir, "metrics.jsonl");
        if (resumeDir is null) File.WriteAllText(metricsPath, "");
        var runMetadata = new Dictionary<string, string>
        {
            ["image_width"] = data.Test.Width.ToString(CultureInfo.InvariantCulture),
            ["image_height"] = data.Test.Height.ToString(CultureInfo.InvariantCulture),
            ["batch"] = batch.ToString(CultureInfo.InvariantCulture),
            ["run.args"] = JsonSerializer.Serialize(argv.Where((a, i) => a is not ("--resume" or "--force") && (i == 0 || argv[i - 1] != "--resume"))),
        };
        var progress = quiet ? null : new ProgressBar(stderr);
        using var stop = new StopSignal();
        IReadOnlyList<EpochReport> reports;
        try
        {
            reports = trainer.Run(train, data.Test, epochs,
                onEpoch: r =>
                {
                    progress?.Done();
                    stdout.WriteLine(r.ToString());
                    File.AppendAllText(metricsPath, MetricsLine(r) + "\n");
                },
                onBatch: (done, total) => progress?.Report(done, total),
                onCheckpoint: s => RunCheckpoint.Save(checkpointPath, model, optimizer, s, runMetadata),
                cancel: stop.Token);
        }
        catch (DivergenceException e)
        {
            progress?.Done();
            throw new IlgpuAeException(e.Message + (File.Exists(checkpointPath)
                ? $"; the last good checkpoint is {checkpointPath}"
                : "; no checkpoint was written yet"));
        }
        progress?.Done();
        if (trainer.Interrupted)
        {
            var at = trainer.State;
            stderr.WriteLine($"interrupted at epoch {at.Epoch}, batch {at.Batch} (step {at.Steps}); checkpoint written to {checkpointPath}");
            stderr.WriteLine($"resume with: ilgpu-ae train --resume {outDir}");
            return 130;
        }

        string modelPath = Path.Combine(outDir, "model.safetensors");
        ModelFile.Save(model, modelPath, runMetadata.Where(kv => !kv.Key.StartsWith("run.", StringComparison.Ordinal))
            .Append(new("epochs", (trainer.State.Epoch - 1).ToString(CultureInfo.InvariantCulture)))
            .ToDictionary(kv => kv.Key, kv => kv.Value));
        var written = new List<string> { "metrics.jsonl", "model.safetensors", RunCheckpoint.FileName };
        written.AddRange(recipe.Pictures(model, data, outDir));
        var history = File.ReadAllLines(metricsPath).Where(l => l.Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        if (history.Count > 0)
        {
            LossPlot.Save(Path.Combine(outDir, "loss.png"), $"{kind}: loss per image", "loss per image",
                [("train", history.Select(r => r.GetProperty("train_loss").GetDouble()).ToArray()),
                 ("test", history.Select(r => r.GetProperty("test_loss").GetDouble()).ToArray())]);
            written.Add("loss.png");
        }
        stdout.WriteLine($"wrote {string.Join(", ", written)} in {outDir}");
        return 0;
    }

    static readonly string[] ResumeOverrides = ["epochs", "quiet", "backend", "checkpoint-every"];

    static string? ResumeArgument(string[] argv)
    {
        int i = Array.IndexOf(argv, "--resume");
        if (i < 0) return null;
        if (i + 1 >= argv.Length) throw new UsageException("train: --resume needs the run's output directory");
        return argv[i + 1];
    }

    /// <summary>
    /// The original run's options from its checkpoint, with --out set to the run directory and the few
    /// options a resumed run may change (epochs, backend, progress, checkpoint interval) taken from the new command line.
    /// </summary>
    static string[] ResumedArguments(string dir, string[] argv)
    {
        string path = Path.Combine(dir, RunCheckpoint.FileName);
        if (!File.Exists(path)) throw new IlgpuAeException($"cannot resume: {dir} holds no {RunCheckpoint.FileName}");
        var metadata = SafeTensors.Read(path).Metadata;
        if (!metadata.TryGetValue("run.args", out var json))
            throw new IlgpuAeException($"cannot resume: {path} does not record the run's options");
        var original = JsonSerializer.Deserialize<string[]>(json) ?? [];
        var fresh = argv.Where((a, i) => a != "--resume" && (i == 0 || argv[i - 1] != "--resume")).ToArray();
        var changed = Args.Parse("train --resume", fresh, [.. ResumeOverrides.Where(o => o != "quiet")], ["quiet", "force"]);
        var kept = new List<string>();
        for (int i = 0; i < original.Length; i++)
        {
            string name = original[i].StartsWith("--", StringComparison.Ordinal) ? original[i][2..].Split('=')[0] : "";
            bool takesValue = !original[i].Contains('=') && name is not ("quiet") && i + 1 < original.Length && !original[i + 1].StartsWith("--", StringComparison.Ordinal);
            if (name == "out" || (ResumeOverrides.Contains(name) && changed.Has(name)))
            {
                if (takesValue) i++;
                continue;
            }
            kept.Add(original[i]);
            if (takesValue) kept.Add(original[++i]);
        }
        return [.. kept, .. fresh, "--out", dir];
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
        "adamw" => new AdamW(lr, args.Double("weight-decay", 1e-2, 0), eps: AdamEpsilon(args)),
        "sgd" => args.Has("eps") ? throw new UsageException("--eps applies to adam and adamw, not sgd")
            : new Sgd(lr, args.Double("momentum", 0.9, 0, 0.999999), args.Double("weight-decay", 0, 0)),
        _ => new Adam(lr, eps: AdamEpsilon(args), weightDecay: args.Double("weight-decay", 0, 0)),
    };

    static double AdamEpsilon(Args args) => args.Double("eps", 1e-8, 0, 1, exclusiveMin: true);
}
