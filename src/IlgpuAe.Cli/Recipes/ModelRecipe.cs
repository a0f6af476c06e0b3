using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Training;
using IlgpuAe.Plots;

namespace IlgpuAe.Cli.Recipes;

/// <summary>
/// How the command line builds, and draws, one kind of model: its own options (validated with
/// messages naming them), its construction, and the pictures a run leaves. Adding a model to the
/// CLI is one recipe file and one line in <see cref="ModelRecipes.All"/>.
/// </summary>
public abstract class ModelRecipe
{
    /// <summary>The value of --model.</summary>
    public abstract string Kind { get; }

    /// <summary>Option lines for `train --help`.</summary>
    public abstract string Help { get; }

    /// <summary>The options this model accepts besides the common ones.</summary>
    public abstract IReadOnlyCollection<string> Options { get; }

    /// <summary>Flags (options without a value) this model accepts.</summary>
    public virtual IReadOnlyCollection<string> Flags => [];

    /// <summary>Builds the model for data of the given shape; bad option values raise UsageException.</summary>
    public abstract Model<float> Create(Device device, Args args, Dataset train, ulong seed);

    /// <summary>Options `eval` accepts for this model (diagnostics such as --iw), besides the common ones.</summary>
    public virtual IReadOnlyCollection<string> EvalOptions => [];

    /// <summary>
    /// Model-specific diagnostics of `eval`: named numbers added to the JSON output and printed as
    /// lines; <paramref name="outDir"/> (from --out) receives pictures when given. None by default.
    /// </summary>
    public virtual IReadOnlyDictionary<string, object> Diagnose(Model<float> model, Args args, DataSplit data, int batch, string? outDir) =>
        new Dictionary<string, object>();

    /// <summary>The pictures written after training; reconstructions by default.</summary>
    public virtual IReadOnlyList<string> Pictures(Model<float> model, DataSplit data, string outDir)
    {
        string path = Path.Combine(outDir, "reconstructions.png");
        IlgpuAe.Plots.Pictures.Reconstructions(model, data.Test, path);
        return ["reconstructions.png"];
    }
}

/// <summary>Every model the command line knows.</summary>
public static class ModelRecipes
{
    public static readonly IReadOnlyList<ModelRecipe> All =
        [new AeRecipe(), new VaeRecipe(), new CvaeRecipe(), new DaeRecipe(), new SparseRecipe(), new CaeRecipe()];

    public static ModelRecipe Find(string kind) =>
        All.FirstOrDefault(r => r.Kind == kind.ToLowerInvariant())
        ?? throw new UsageException($"--model must be one of {string.Join(", ", All.Select(r => r.Kind))}, got '{kind}'");
}
