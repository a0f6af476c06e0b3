using System.Text.Json;
using IlgpuAe.Checkpoints;
using IlgpuAe.Cli.Recipes;
using IlgpuAe.Data;
using IlgpuAe.Training;

namespace IlgpuAe.Cli.Commands;

/// <summary>`ilgpu-ae eval`: reloads a checkpoint and reports the test loss training reported.</summary>
public sealed class EvalCommand(ModelRecipes recipes) : CliCommand
{
    readonly CliOption<string?> _modelFile = Opt.Text("model-file", "the model.safetensors (or checkpoint) written by `ilgpu-ae train` (required)", "FILE");
    readonly CliOption<string?> _data = Opt.Text("data", "test data, as for train (default: as train's)", "DIR");
    readonly ImageArgs _images = new();
    readonly CliOption<int?> _batch = Opt.OptionalInt("batch", "batch size (default: the training batch, so the same float sums give the same loss)", 1, RunLimits.MaxBatch, "B");
    readonly CliOption<string?> _backend = Opt.Text("backend", "device", "auto|cuda|opencl|cpu", "auto");
    readonly CliOption<string?> _out = Opt.Text("out", "directory for the diagnostics' pictures", "DIR");
    readonly CliOption<bool> _json = Opt.Flag("json", "print one JSON object with test_loss, terms and the diagnostics");
    readonly CliOption<string?> _assembly = Opt.Text("assembly",
        "assemblies of models of your own, comma-separated: their module initializers call ModelCatalog.Register", "FILE.dll[,...]");
    readonly EvalOptions _eval = new();

    public override string Name => "eval";

    public override string Description => "reload a checkpoint and report its test loss (and the model's diagnostics)";

    public override string Remarks => """
        Reports the loss per image on the test set with every named loss term. The diagnostic options
        apply to the model kinds named beside them; their numbers become extra JSON keys.
        """;

    protected override IEnumerable<ICliOption> Options => [_modelFile, _data, .. _images.All, _batch, _backend, _out, _json, _assembly, .. _eval.All];

    public override int Run(IReadOnlyList<string> argv, Io io) => Parse(Declare(argv), argv, io, args =>
    {
        string file = args.Get(_modelFile) ?? throw new UsageException("eval: --model-file is required");
        if (!Path.Exists(file)) throw new IlgpuAeException($"checkpoint {file} does not exist");
        var backend = BackendNames.Parse(args.Get(_backend)!);
        var data = _images.Load(args, args.Get(_data));
        using var device = Device.Open(backend);
        ModelAssemblies.Load(args.Get(_assembly));
        using var model = ModelFile.LoadWithFile<float>(device, file, out var read);
        var recorded = ModelMetadata.Validate(read, model);
        if (recorded.ShapeText is { } trained && trained != data.Test.ShapeText)
            throw new IlgpuAeException(
                $"{file} was trained on images of {trained} (channels x height x width), but {data.Source} holds {data.Test.ShapeText}; " +
                "give eval the data it was trained on (with an image folder, the same --image-size and --channels-in).");
        // The training batch size by default: the same batching gives the same float sums, so the same loss.
        int batch = args.Get(_batch) ?? recorded.Batch ?? 128;
        var recipe = recipes.For(model);
        var applies = recipe.EvalOptionsOf(_eval);
        foreach (var option in _eval.All.Where(o => args.Has(o.Option) && !applies.Contains(o)))
            throw new UsageException($"eval: --{option.Key} does not apply to a {model.Kind} model");
        var eval = Trainer<float>.Evaluate(model, data.Test, batch);
        string? outDir = args.Get(_out);
        if (outDir is not null) Directory.CreateDirectory(outDir);
        var diagnostics = recipe.Diagnose(model, args, _eval, data, batch, outDir);
        if (args.Get(_json))
        {
            var json = new Dictionary<string, object>
            {
                ["test_loss"] = eval.Loss,
                ["terms"] = eval.Terms,
                ["count"] = eval.Count,
                ["model"] = model.Kind,
                ["data"] = data.Source,
                ["verified"] = recorded.Verified,
            };
            foreach (var (name, value) in diagnostics) json[name] = value;
            io.Out.WriteLine(JsonSerializer.Serialize(json));
        }
        else
        {
            if (!recorded.Verified)
                io.Out.WriteLine($"note: {file} carries no checksum (written by another tool): its integrity is unverified");
            io.Out.WriteLine($"{model.Kind} on {data.Source}: test loss {eval.Loss:F4} per image over {eval.Count} images");
            foreach (var (name, value) in eval.Terms) io.Out.WriteLine($"  {name}: {value:F4}");
            foreach (var (name, value) in diagnostics) io.Out.WriteLine($"{name}: {(value is double v ? v.ToString("F4", System.Globalization.CultureInfo.InvariantCulture) : value)}");
        }
        return 0;
    });
}
