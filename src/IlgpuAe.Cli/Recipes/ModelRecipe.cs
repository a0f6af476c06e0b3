using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Training;
using IlgpuAe.Plots;

namespace IlgpuAe.Cli.Recipes;

/// <summary>
/// How the command line builds, and draws, one kind of model: its own options (declared once, as
/// fields, with their defaults and ranges), its construction, and the pictures a run leaves.
/// Adding a model to the CLI is one recipe file and one line in <see cref="ModelRecipes.Create"/>.
/// </summary>
public abstract class ModelRecipe
{
    /// <summary>The value of --model.</summary>
    public abstract string Kind { get; }

    /// <summary>What the model is, for the title of its section in `train --help`.</summary>
    public abstract string Summary { get; }

    /// <summary>Optimizer steps of the run being built, set by `train` before <see cref="Create"/>: what a schedule's STEPS left out means.</summary>
    public long RunSteps { get; set; } = 1;

    /// <summary>The options this model accepts besides the common ones of `train`.</summary>
    public abstract IReadOnlyList<ICliOption> Options { get; }

    /// <summary>
    /// Builds the model for data of the given shape; bad option values raise UsageException. Reads
    /// only the options that apply (an option read is an option the run's config.json records).
    /// </summary>
    public abstract Model<float> Create(Device device, Args args, Dataset train, ulong seed);

    /// <summary>The `eval` options that apply to this model (diagnostics such as --iw), from <see cref="EvalOptions"/>.</summary>
    public virtual IReadOnlyList<ICliOption> EvalOptionsOf(EvalOptions eval) => [];

    /// <summary>
    /// Model-specific diagnostics of `eval`: named numbers added to the JSON output and printed as
    /// lines; <paramref name="outDir"/> (from --out) receives pictures when given. None by default.
    /// </summary>
    public virtual IReadOnlyDictionary<string, object> Diagnose(Model<float> model, Args args, EvalOptions eval, DataSplit data, int batch, string? outDir) =>
        new Dictionary<string, object>();

    /// <summary>The pictures written after training; reconstructions by default.</summary>
    public virtual IReadOnlyList<string> Pictures(Model<float> model, DataSplit data, string outDir)
    {
        string path = Path.Combine(outDir, "reconstructions.png");
        IlgpuAe.Plots.Pictures.Reconstructions(model, data.Test, path);
        return ["reconstructions.png"];
    }

    /// <summary>The recipe's options as an empty command line leaves them: the defaults (bench builds its models so).</summary>
    public Args Defaults() => new(CommandLine.Parse(CommandLine.Declare("train", "", Options), []));

    /// <summary>The recipe's options as <paramref name="argv"/> sets them, the rest at their defaults (bench's `--arch`).</summary>
    public Args With(params string[] argv) => new(CommandLine.Parse(CommandLine.Declare("train", "", Options), argv));
}

/// <summary>The diagnostic options of `eval`, declared once; each recipe says which apply to its models.</summary>
public sealed class EvalOptions
{
    public readonly CliOption<int?> JacobianSpectrum = Opt.OptionalInt("jacobian-spectrum",
        "singular values of the encoder-decoder Jacobian df/dx at the first N test points; spectrum.png in --out (ae, dae, sparse, cae)", 1);
    public readonly CliOption<int> Iw = Opt.Int("iw", "importance samples for -log p(x) (vae), -log p(x|c) and, when masked, -log p(hidden block|c) (cvae)", 1000, 1, 1 << 20, "K");
    public readonly CliOption<int> IwImages = Opt.Int("iw-images", "test images of the importance-sampled estimates (vae, cvae)", 1000, 1);
    public readonly CliOption<int> AggSamples = Opt.Int("agg-samples", "codes for the KL decomposition (vae)", 1000, 1);

    public readonly CliOption<int?> Tangents = Opt.OptionalInt("tangents",
        "tangent directions: the top right singular vectors of df/dx at the first N test images, their singular values, and tangents.png in --out (cae)", 1);

    public IReadOnlyList<ICliOption> All => [JacobianSpectrum, Iw, IwImages, AggSamples, Tangents];
}

/// <summary>Every model the command line knows.</summary>
public sealed class ModelRecipes(IReadOnlyList<ModelRecipe> all)
{
    /// <summary>Fresh recipes, so the options of one command line never carry state into another.</summary>
    public static ModelRecipes Create() =>
        new([new AeRecipe(), new VaeRecipe(), new CvaeRecipe(), new DaeRecipe(), new SparseRecipe(), new CaeRecipe(), new IwaeRecipe(), new WaeRecipe(), new AaeRecipe(), new VqVaeRecipe()]);

    public IReadOnlyList<ModelRecipe> All { get; } = all;

    public IEnumerable<string> Kinds => All.Select(r => r.Kind);

    /// <summary>The recipe of a loaded model: its kind's, or for a registered kind of your own that of the built-in model it derives from.</summary>
    public ModelRecipe For(Model<float> model) =>
        All.FirstOrDefault(r => r.Kind == model.Kind) ?? Find(model is Cvae<float> ? "cvae" : model is Vae<float> ? "vae" : "ae");

    public ModelRecipe Find(string kind) =>
        All.FirstOrDefault(r => r.Kind == kind.ToLowerInvariant())
        ?? throw new UsageException($"--model must be one of {string.Join(", ", Kinds)}, got '{kind}'");
}
