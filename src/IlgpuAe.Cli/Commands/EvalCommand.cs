using System.Text.Json;
using IlgpuAe.Checkpoints;
using IlgpuAe.Cli.Recipes;
using IlgpuAe.Data;
using IlgpuAe.Training;

namespace IlgpuAe.Cli.Commands;

/// <summary>`ilgpu-ae eval`: reloads a checkpoint and reports the test loss training reported.</summary>
public static class EvalCommand
{
    const string CommonHelp = """
        usage: ilgpu-ae eval --model-file FILE [--data DIR] [--batch B (default: the training batch)] [--backend auto|cuda|opencl|cpu] [--out DIR] [--json]

        Reloads a checkpoint written by `ilgpu-ae train` and reports the loss per image on the
        test set, with every named loss term. --json prints one JSON object with test_loss and terms.
        Diagnostics of the model's kind (written as extra JSON keys, pictures into --out):
        """;

    /// <summary>The common usage plus each model kind's diagnostic options.</summary>
    public static string Help => CommonHelp + string.Concat(ModelRecipes.All
        .Where(r => r.EvalOptions.Count > 0)
        .Select(r => $"\n  --model {r.Kind}: {string.Join(", ", r.EvalOptions.Select(o => "--" + o))}"));

    public static int Run(string[] argv, TextWriter stdout)
    {
        var modelOptions = ModelRecipes.All.SelectMany(r => r.EvalOptions).Distinct().ToArray();
        var args = Args.Parse("eval", argv, ["model-file", "data", "batch", "backend", "out", .. modelOptions], ["json"]);
        string file = args.String("model-file") ?? throw new UsageException("eval: --model-file is required");
        if (!Path.Exists(file)) throw new IlgpuAeException($"checkpoint {file} does not exist");
        var backend = BackendNames.Parse(args.String("backend", "auto"));
        var data = DataSources.Load(args.String("data"));
        using var device = Device.Open(backend);
        using var model = ModelFile.LoadWithFile<float>(device, file, out var read);
        var recorded = ModelMetadata.Validate(read, model);
        // The training batch size by default: the same batching gives the same float sums, so the same loss.
        int batch = args.Int("batch", recorded.Batch ?? 128, 1, RunLimits.MaxBatch);
        var recipe = ModelRecipes.Find(model.Kind);
        foreach (var option in modelOptions.Where(o => args.Has(o) && !recipe.EvalOptions.Contains(o)))
            throw new UsageException($"eval: --{option} does not apply to a {model.Kind} model");
        var eval = Trainer<float>.Evaluate(model, data.Test, batch);
        string? outDir = args.String("out");
        if (outDir is not null) Directory.CreateDirectory(outDir);
        var diagnostics = recipe.Diagnose(model, args, data, batch, outDir);
        if (args.Has("json"))
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
            stdout.WriteLine(JsonSerializer.Serialize(json));
        }
        else
        {
            if (!recorded.Verified)
                stdout.WriteLine($"note: {file} carries no checksum (written by another tool): its integrity is unverified");
            stdout.WriteLine($"{model.Kind} on {data.Source}: test loss {eval.Loss:F4} per image over {eval.Count} images");
            foreach (var (name, value) in eval.Terms) stdout.WriteLine($"  {name}: {value:F4}");
            foreach (var (name, value) in diagnostics) stdout.WriteLine($"{name}: {(value is double v ? v.ToString("F4", System.Globalization.CultureInfo.InvariantCulture) : value)}");
        }
        return 0;
    }
}
