using System.CommandLine;
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

/// <summary>
/// `ilgpu-ae train`: trains a model and writes metrics.jsonl, model.safetensors, the pictures, loss.png
/// and config.json (the options the run used). Its options are the common ones below and those of the
/// --model's recipe.
/// </summary>
public sealed class TrainCommand : CliCommand
{
    readonly ModelRecipes _recipes;

    readonly CliOption<string?> _config = Opt.Text("config",
        "read every option of the run from a JSON file (a run's DIR/config.json repeats that run); options given here override it", "FILE");
    readonly CliOption<string> _model;
    readonly CliOption<string?> _data = Opt.Text("data",
        "Fashion-MNIST IDX files, train.npy/test.npy, or an image folder with train/ and test/ (default: /usr/share/datasets/fashion-mnist if present, else the embedded 10k test set split 8000/2000)", "DIR");
    readonly ImageArgs _images = new();
    readonly CliOption<int> _epochs = Opt.Int("epochs", "epochs", 5, 0, RunLimits.MaxEpochs);
    readonly CliOption<int> _batch = Opt.Int("batch", "batch size", 128, 1, RunLimits.MaxBatch, "B");
    readonly CliOption<double> _lr = Opt.Double("lr", "learning rate", 1e-3, 0, 10, exclusiveMin: true);
    readonly CliOption<ulong> _seed = Opt.ULong("seed", "seed of initialisation, data order and noise", 1);
    readonly CliOption<string?> _backend = Opt.Text("backend", "device: auto picks CUDA, then OpenCL, then the CPU", "auto|cuda|opencl|cpu", "auto");
    readonly CliOption<string?> _out = Opt.Text("out", "output directory (default runs/<model>)", "DIR");
    readonly CliOption<string> _optimizer = Opt.Choice("optimizer", "optimizer", "adam", "adam", "adamw", "sgd");
    readonly CliOption<double?> _weightDecay = Opt.OptionalDouble("weight-decay", "weight decay (default 0; adamw 0.01)", 0);
    readonly CliOption<double> _momentum = Opt.Double("momentum", "SGD momentum", 0.9, 0, 0.999999);
    readonly CliOption<double> _eps = Opt.Double("eps",
        "Adam/AdamW epsilon; a loss summed over a batch of B instead of averaged trains exactly as the mean with --eps 1e-8/B", 1e-8, 0, 1, exclusiveMin: true);
    readonly CliOption<double> _beta1 = Opt.Double("beta1",
        "Adam/AdamW decay of the gradient's running mean (adversarial training often takes 0.5)", 0.9, 0, 0.999999);
    readonly CliOption<double> _beta2 = Opt.Double("beta2", "Adam/AdamW decay of the squared gradient's running mean", 0.999, 0, 0.999999);
    readonly CliOption<string?> _objectiveLr = Opt.Text("objective-lr",
        "learning rates of named objectives of a model with several (aae: reconstruction, discriminator, generator; vqvae: see its section), e.g. discriminator=1e-4,generator=1e-4; the others take --lr",
        "NAME=X[,NAME=X...]");
    readonly CliOption<int?> _limit = Opt.OptionalInt("limit", "use only the first N training images (quick runs)", 1);
    readonly CliOption<int?> _checkpointEvery = Opt.OptionalInt("checkpoint-every", "also write DIR/checkpoint.safetensors every N steps (always at each epoch's end)", 1);
    readonly CliOption<double?> _clipGrad = Opt.OptionalDouble("clip-grad", "clip the global gradient norm to X", 0, exclusiveMin: true);
    readonly CliOption<int?> _guardEvery = Opt.OptionalInt("guard-every",
        "read the device's divergence flag every N steps (default: 1 on the CPU accelerator, 100 on a GPU); a divergence is reported at the step it happened, whatever N", 1);
    readonly CliOption<string?> _lrSchedule = ScheduleOptions.LearningRate();
    readonly CliOption<bool> _keepLastBatch = Opt.Flag("keep-last-batch", "also train each epoch's short last batch (PyTorch's drop_last=False; default: drop it)");
    readonly CliOption<string?> _resume = Opt.Text("resume",
        "continue the run in DIR exactly where its checkpoint left it (may change only --epochs, --backend, --checkpoint-every, --guard-every, --quiet)", "DIR");
    readonly CliOption<bool> _quiet = Opt.Flag("quiet", "no progress bar");
    readonly CliOption<string?> _distributed = Opt.OptionalChoice(DistributedRun.Option,
        "data-parallel training: run under mpirun -np N; each rank trains its share of every --batch B rows, MPI (NCCL between GPUs) sums the gradients, rank 0 writes", "mpi");
    readonly CliOption<bool> _verifyReplicas = Opt.Flag(DistributedRun.VerifyFlag,
        "with --distributed: compare the ranks' parameters after every step (always done at each epoch's end)");
    readonly CliOption<bool> _force = Opt.Flag("force", "with --resume: resume even though DIR/model.safetensors holds another model, and overwrite it");
    readonly CliOption<bool> _cudaGraph = CudaGraphOption.Flag(
        "capture one steady-state step as a CUDA graph (after 2 warm-up steps) and replay it; opt-in, not measured on a GPU (see README, GPU). " +
        "A named backend other than cuda is an error; where auto finds no CUDA device, or the capture fails, one warning and the run trains uncaptured");

    public TrainCommand(ModelRecipes recipes)
    {
        _recipes = recipes;
        _model = Opt.Choice("model", "model to train", "ae", [.. recipes.Kinds]);
    }

    public override string Name => "train";

    public override string Description => "train a model and write metrics, checkpoint, pictures and config.json into --out";

    protected override IEnumerable<ICliOption> Options =>
        [_config, _model, _data, .. _images.All, _epochs, _batch, _lr, _seed, _backend, _out, _optimizer, _weightDecay, _momentum, _eps, _beta1, _beta2,
         _objectiveLr, _limit, _checkpointEvery, _clipGrad, _guardEvery, _lrSchedule, _keepLastBatch, _resume, _quiet, _force, _distributed, _verifyReplicas, _cudaGraph];

    /// <summary>What a resumed run may change; everything else comes from its checkpoint.</summary>
    IEnumerable<ICliOption> ResumeOptions => [_resume, _epochs, _backend, _checkpointEvery, _guardEvery, _quiet, _force, _cudaGraph];

    /// <summary>Options that are not part of what a run is, so neither config.json nor the checkpoint records them.</summary>
    IEnumerable<ICliOption> NotRecorded => [_config, _resume, _quiet, _force, _cudaGraph];

    public override Command Declare(IReadOnlyList<string> argv) => Declare(_recipes.Find(Scan(argv, _model.Key) ?? "ae"));

    Command Declare(ModelRecipe recipe) => CommandLine.Declare(Name, Description, [.. Options, .. recipe.Options]);

    public override int Run(IReadOnlyList<string> argv, Io io)
    {
        string? resumeDir = Scan(argv, _resume.Key);
        if (resumeDir is not null) argv = ResumedArguments(resumeDir, argv);
        var config = Scan(argv, _config.Key) is { } file ? RunConfig.Load(file) : null;
        var recipe = _recipes.Find(Scan(argv, _model.Key) ?? config?.Text(_model.Key) ?? "ae");
        var command = Declare(recipe);
        var fromFile = config?.Tokens(command, key => OtherModels(key, recipe)) ?? [];
        var parse = CommandLine.Parse(command, [.. fromFile, .. argv]);
        if (parse.Action is System.CommandLine.Help.HelpAction)
        {
            WriteHelp(io.Out, Scan(argv, _model.Key) is null ? null : recipe);
            return 0;
        }
        if (CommandLine.FirstError(parse, Name, key => OtherModels(key, recipe)) is { } error)
        {
            // A bad value that came from the config file, not from the command line, says so.
            var given = argv.Where(a => a.StartsWith("--", StringComparison.Ordinal)).Select(a => a[2..].Split('=')[0]);
            bool inFile = error.Option is { } o && config is not null && config.Keys.Contains(o.Key) && !given.Contains(o.Key);
            throw new UsageException(inFile ? $"{error.Message} (in {config!.Path})" : error.Message);
        }
        var args = new Args(parse);
        return Train(args, recipe, resumeDir, Recorded(args, command), io);
    }

    int Train(Args args, ModelRecipe recipe, string? resumeDir, string[] runArgs, Io io)
    {
        // Data parallel (mpirun -np N ... --distributed mpi): MPI before the device; rank 0 alone prints and writes.
        using var distributed = DistributedRun.Open(args.Get(_distributed) is not null, args.Get(_verifyReplicas),
            resumeDir is null ? null : Path.Combine(resumeDir, RunCheckpoint.FileName));
        bool root = DistributedRun.IsRoot(distributed);
        if (!root) io = new Io(TextWriter.Null, TextWriter.Null);
        string kind = args.Get(_model);
        if (args.Get(_force) && resumeDir is null) throw new UsageException("train: --force applies only with --resume");
        int epochs = args.Get(_epochs);
        int batch = args.Get(_batch);
        double lr = args.Get(_lr);
        ulong seed = args.Get(_seed);
        var backend = BackendNames.Parse(args.Get(_backend)!);
        bool cudaGraph = args.Get(_cudaGraph);
        CudaGraphOption.CheckRequested(cudaGraph, backend);
        string outDir = args.Get(_out) ?? args.Use(_out.Key, Path.Combine("runs", kind));
        var trainerOptions = new TrainerOptions
        {
            CheckpointEvery = args.Get(_checkpointEvery) ?? 0,
            ClipGrad = args.Get(_clipGrad),
            GuardEvery = args.Get(_guardEvery) ?? 0,
            KeepLastBatch = args.Get(_keepLastBatch),
            Parallel = distributed?.Parallel,
            VerifyReplicas = args.Get(_verifyReplicas),
            CudaGraph = cudaGraph,
            OnWarning = io.Err.WriteLine,
        };
        var optimizer = MakeOptimizer(args, lr);
        int limit = args.Get(_limit) ?? int.MaxValue;
        bool quiet = args.Get(_quiet) || !root;

        var data = _images.Load(args, args.Get(_data));
        var train = limit < data.Train.Count ? data.Train.Slice(0, limit) : data.Train;
        if (train.Count < batch)
            throw new UsageException($"--batch {batch} is larger than the {train.Count} training images");
        recipe.RunSteps = ScheduleOptions.RunSteps(train, batch, epochs, trainerOptions.KeepLastBatch);
        trainerOptions = trainerOptions with { LearningRate = ScheduleOptions.Parse(args, _lrSchedule, recipe.RunSteps) };

        using var device = Device.Open(backend);
        args.Use(_backend.Key, Device.BackendName(device.Backend));
        // Rank 0 alone writes the folder, so it alone holds the lock; the other ranks of the same run share it.
        using var runLock = root ? RunLock.Acquire(outDir) : null;
        if (runLock?.StalePid is int stalePid)
            io.Out.WriteLine($"note: the previous run in {outDir} (process {stalePid}) ended without releasing its lock; it was killed or crashed");
        string checkpointPath = Path.Combine(outDir, RunCheckpoint.FileName);
        Model<float> model;
        RunResume? resumed = null;
        var state = TrainerState.Start;
        if (resumeDir is not null)
        {
            // A writer killed mid-write leaves its temporary file; the renamed checkpoint is the good one.
            if (root)
                foreach (var stale in Directory.EnumerateFiles(outDir, $".{RunCheckpoint.FileName}.*.tmp")) File.Delete(stale);
            (model, var resume) = RunCheckpoint.Load<float>(device, checkpointPath);
            if (resume.OptimizerName != optimizer.Name)
                throw new IlgpuAeException($"{checkpointPath} was written by optimizer {resume.OptimizerName}, not {optimizer.Name}");
            if (model.Objectives.Count == 0) optimizer.Restore(model.Parameters, resume.OptimizerState, resume.OptimizerSteps);
            resumed = resume;
            ResumeRules.Check(checkpointPath, resume, model, train.Count, batch, trainerOptions.KeepLastBatch, epochs);
            if (ResumeRules.ModelFileConflict(outDir, checkpointPath, resume.Metadata) is { } conflict && !args.Get(_force))
                throw new IlgpuAeException($"cannot resume: {conflict}; pass --force to resume and overwrite it.");
            state = resume.State;
            // The stored schedule is the one resolved for the run's length when it started; --epochs may have changed since.
            trainerOptions = trainerOptions with { LearningRate = resume.LearningRate };
        }
        else
        {
            model = OptionFlags.Create(() => recipe.Create(device, args, train, seed));
        }
        using var _ = model;
        using var __ = optimizer;
        // A model with several objectives (aae) steps one optimizer of the same kind per objective, at --lr or its --objective-lr.
        var objectives = ObjectiveOptimizers(model, optimizer, args, lr, ObjectiveRates(args, model.Objectives, kind));
        using var ___ = new DisposeAll(objectives?.Values.Where(o => o != optimizer));
        if (objectives is not null && resumed is not null) RunCheckpoint.RestoreObjectives(resumed, model, objectives, batch);
        if (root)
        {
            Directory.CreateDirectory(outDir);
            RunConfig.Write(outDir, args.Used.Where(kv => !NotRecorded.Any(o => o.Key == kv.Key)), keepExisting: resumeDir is not null);
        }
        io.Out.WriteLine($"data: {data.Source} ({train.Count} train, {data.Test.Count} test)");
        io.Out.WriteLine($"device: {device.Name} ({Device.BackendName(device.Backend)}); model {kind}, {model.Parameters.Count:N0} parameters; {optimizer.Name} lr {lr}; batch {batch}; seed {seed}");
        if (resumeDir is not null)
            io.Out.WriteLine($"resuming {outDir} at epoch {state.Epoch}, batch {state.Batch} (step {state.Steps})");

        using var trainer = objectives is null
            ? new Trainer<float>(model, optimizer, batch, seed, trainerOptions)
            : new Trainer<float>(model, objectives, batch, seed, trainerOptions);
        trainer.State = state;
        var metricsPath = Path.Combine(outDir, "metrics.jsonl");
        if (resumeDir is null && root) File.WriteAllText(metricsPath, "");
        var runMetadata = new Dictionary<string, string>
        {
            ["image_width"] = data.Test.Width.ToString(CultureInfo.InvariantCulture),
            ["image_height"] = data.Test.Height.ToString(CultureInfo.InvariantCulture),
            ["batch"] = batch.ToString(CultureInfo.InvariantCulture),
            [DistributedRun.RanksKey] = DistributedRun.Ranks(distributed),
            ["run.args"] = JsonSerializer.Serialize(runArgs),
        };
        // Written only where they say something, so a grayscale run's files keep their bytes.
        if (data.Test.Channels != 1) runMetadata["image_channels"] = data.Test.Channels.ToString(CultureInfo.InvariantCulture);
        if (data.Train.ClassNames is { } classNames) runMetadata["class_names"] = JsonSerializer.Serialize(classNames);
        using var progress = quiet ? null : new ProgressBar(io, batch);
        using var stop = new StopSignal();
        try
        {
            trainer.Run(train, data.Test, epochs,
                onEpoch: r =>
                {
                    progress?.Done();
                    io.Out.WriteLine(r.ToString());
                    File.AppendAllText(metricsPath, MetricsLine(r) + "\n");
                },
                onBatch: (done, total) => progress?.Report(trainer.State.Epoch, done, total),
                onCheckpoint: s =>
                {
                    if (objectives is null) RunCheckpoint.Save(checkpointPath, model, optimizer, s, runMetadata, trainerOptions.LearningRate);
                    else RunCheckpoint.Save(checkpointPath, model, objectives, s, runMetadata, trainerOptions.LearningRate);
                },
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
        distributed?.Complete();
        if (distributed is not null) io.Out.WriteLine(distributed.Summary());
        if (trainer.Interrupted)
        {
            var at = trainer.State;
            io.Err.WriteLine($"interrupted at epoch {at.Epoch}, batch {at.Batch} (step {at.Steps}); checkpoint written to {checkpointPath}");
            io.Err.WriteLine($"resume with: ilgpu-ae train --resume {outDir}");
            return 130;
        }
        if (!root) return 0;

        string modelPath = Path.Combine(outDir, "model.safetensors");
        ModelFile.Save(model, modelPath, runMetadata.Where(kv => !kv.Key.StartsWith("run.", StringComparison.Ordinal))
            .Append(new("epochs", (trainer.State.Epoch - 1).ToString(CultureInfo.InvariantCulture)))
            .ToDictionary(kv => kv.Key, kv => kv.Value));
        var written = new List<string> { "metrics.jsonl", "model.safetensors", RunCheckpoint.FileName, RunConfig.FileName };
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
        io.Out.WriteLine($"wrote {string.Join(", ", written)} in {outDir}");
        return 0;
    }

    /// <summary>`train --help`: the common options, then each model's (only the one given with --model).</summary>
    void WriteHelp(TextWriter output, ModelRecipe? only)
    {
        CommandLine.WriteHelp(CommandLine.Declare(Name, Description, Options), output);
        var recipes = only is null ? _recipes.All : [only];
        int width = CommandLine.Width(recipes.SelectMany(r => r.Options));
        foreach (var r in recipes)
            CommandLine.WriteSection(output, $"Options of --model {r.Kind}, {r.Summary}:", r.Options, width);
        output.WriteLine($"""
            Every run writes the options it used to DIR/{RunConfig.FileName}; `train --config DIR/{RunConfig.FileName}` repeats it.
            A config file is one JSON object keyed by option names without the dashes, e.g.
              {"{"}"model": "vae", "epochs": 5, "hidden": [400], "lr": 0.001, "keep-last-batch": true{"}"}
            """);
    }

    /// <summary>For an unknown option or key: the models whose option it is, if any.</summary>
    string? OtherModels(string key, ModelRecipe recipe)
    {
        var owners = _recipes.All.Where(r => r != recipe && r.Options.Any(o => o.Key == key)).Select(r => "--model " + r.Kind).ToList();
        return owners.Count == 0 ? null : $"it is an option of {string.Join(", ", owners)}, not of --model {recipe.Kind}";
    }

    /// <summary>The value of `--name V` or `--name=V` in <paramref name="argv"/>, read before the parse because it decides what to parse.</summary>
    static string? Scan(IReadOnlyList<string> argv, string name)
    {
        string? value = null;
        for (int i = 0; i < argv.Count; i++)
        {
            if (argv[i] == "--" + name)
                value = i + 1 < argv.Count ? argv[++i] : throw new UsageException($"train: --{name} needs a value");
            else if (argv[i].StartsWith($"--{name}=", StringComparison.Ordinal)) value = argv[i][(name.Length + 3)..];
        }
        return value;
    }

    /// <summary>
    /// The given options as tokens (each once, as written), without those that say where a run comes
    /// from: the run's options as its checkpoint records them for --resume.
    /// </summary>
    string[] Recorded(Args args, Command command)
    {
        var tokens = new List<string>();
        foreach (var o in CommandLine.OptionsOf(command))
        {
            if (NotRecorded.Any(n => n.Key == o.Key) && o.Key != _quiet.Key) continue;
            if (args.Parse.GetResult(o.Option) is not { Implicit: false } result) continue;
            tokens.Add("--" + o.Key);
            if (o.Kind == ValueKind.Flag)
            {
                if (result.Tokens.Count > 0) tokens.Add(result.Tokens[^1].Value);
            }
            else tokens.Add(result.Tokens[^1].Value);
        }
        return [.. tokens];
    }

    /// <summary>
    /// The original run's options from its checkpoint, then the few a resumed run may change (epochs,
    /// backend, progress, checkpoint and guard intervals) from the new command line, then --out DIR: the last wins.
    /// </summary>
    string[] ResumedArguments(string dir, IReadOnlyList<string> argv)
    {
        var fresh = CommandLine.Parse(CommandLine.Declare(Name, Description, ResumeOptions), argv);
        string only = $"a resumed run may change only {string.Join(", ", ResumeOptions.Skip(1).Select(o => "--" + o.Key))}";
        CommandLine.ThrowOnError(fresh, "train --resume", _ => only);
        string path = Path.Combine(dir, RunCheckpoint.FileName);
        if (!File.Exists(path)) throw new IlgpuAeException($"cannot resume: {dir} holds no {RunCheckpoint.FileName}");
        var metadata = SafeTensors.Read(path).Metadata;
        if (!metadata.TryGetValue("run.args", out var json))
            throw new IlgpuAeException($"cannot resume: {path} does not record the run's options");
        var original = JsonSerializer.Deserialize<string[]>(json) ?? [];
        var changes = argv.Where((a, i) => a != "--resume" && !a.StartsWith("--resume=", StringComparison.Ordinal) && (i == 0 || argv[i - 1] != "--resume"));
        return [.. original, .. changes, "--out", dir];
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

    Optimizer MakeOptimizer(Args args, double lr)
    {
        string kind = args.Get(_optimizer);
        if (kind == "sgd")
            foreach (var adamOnly in new ICliOption[] { _eps, _beta1, _beta2 })
                if (args.Has(adamOnly.Option)) throw new UsageException($"--{adamOnly.Key} applies to adam and adamw, not sgd");
        if (kind != "sgd" && args.Has(_momentum)) throw new UsageException($"--momentum applies to sgd, not {kind} (its --beta1 is the momentum of Adam)");
        return kind switch
        {
            "adamw" => new AdamW(lr, WeightDecay(args, 1e-2), args.Get(_beta1), args.Get(_beta2), args.Get(_eps)),
            "sgd" => new Sgd(lr, args.Get(_momentum), WeightDecay(args, 0)),
            _ => new Adam(lr, args.Get(_beta1), args.Get(_beta2), args.Get(_eps), WeightDecay(args, 0)),
        };
    }

    /// <summary>--objective-lr as objective → rate; each name must be one of <paramref name="objectives"/>, each rate in (0, 10].</summary>
    Dictionary<string, double> ObjectiveRates(Args args, IReadOnlyList<string> objectives, string kind)
    {
        var rates = new Dictionary<string, double>();
        if (args.Get(_objectiveLr) is not { } text) return rates;
        if (objectives.Count == 0)
            throw new UsageException($"--objective-lr applies to a model with several objectives; --model {kind} has one (its rate is --lr)");
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var kv = part.Split('=', StringSplitOptions.TrimEntries);
            if (kv.Length != 2 || kv[0].Length == 0)
                throw new UsageException($"--objective-lr takes NAME=RATE pairs separated by commas, got '{part}'");
            if (!objectives.Contains(kv[0]))
                throw new UsageException($"--objective-lr: --model {kind} has no objective '{kv[0]}'; its objectives are {string.Join(", ", objectives)}");
            if (!double.TryParse(kv[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double rate)
                || !double.IsFinite(rate) || rate <= 0 || rate > 10)
                throw new UsageException($"--objective-lr: the rate of '{kv[0]}' must be a number in (0, 10], got '{kv[1]}'");
            if (!rates.TryAdd(kv[0], rate)) throw new UsageException($"--objective-lr names '{kv[0]}' twice");
        }
        return rates;
    }

    /// <summary>One optimizer per objective of <paramref name="model"/> (the first is <paramref name="first"/> unless <paramref name="rates"/> names it), or null for a model with one.</summary>
    Dictionary<string, Optimizer>? ObjectiveOptimizers(Model<float> model, Optimizer first, Args args, double lr, Dictionary<string, double> rates)
    {
        if (model.Objectives.Count == 0) return null;
        if (args.Get(_clipGrad) is not null)
            throw new UsageException($"--clip-grad does not apply to --model {model.Kind}: each of its objectives ({string.Join(", ", model.Objectives)}) has its own gradient");
        return model.Objectives.Select((n, i) => (n, rates.TryGetValue(n, out double own) ? MakeOptimizer(args, own) : i == 0 ? first : MakeOptimizer(args, lr)))
            .ToDictionary(p => p.n, p => p.Item2);
    }

    sealed class DisposeAll(IEnumerable<Optimizer>? optimizers) : IDisposable
    {
        public void Dispose()
        {
            foreach (var o in optimizers ?? []) o.Dispose();
        }
    }

    double WeightDecay(Args args, double fallback) => args.Get(_weightDecay) ?? args.Use(_weightDecay.Key, fallback);
}
