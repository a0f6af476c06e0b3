using System.Globalization;
using IlgpuAe.Data;
using IlgpuAe.Diagnostics;
using IlgpuAe.Models;
using IlgpuAe.Plots;

namespace IlgpuAe.Cli.Recipes;

/// <summary>
/// `eval --tangents N` for the contractive autoencoder: for the first N test images the top right singular vectors of df/dx
/// (<see cref="Tangents"/>) with their singular values, and tangents.png in --out (one row per image: the image, then its directions).
/// </summary>
public static class TangentDiagnostic
{
    public static IReadOnlyDictionary<string, object> Run(Model<float> model, Args args, EvalOptions eval, DataSplit data, string? outDir)
    {
        var result = new Dictionary<string, object>();
        if (args.Get(eval.Tangents) is not int requested) return result;
        int points = Opt.InRange(eval.Tangents.Key, requested, 1, data.Test.Count);
        if (model is not ContractiveAutoencoder<float> cae) throw new UsageException($"--tangents needs a contractive autoencoder (--model cae), got {model.Kind}");
        if (cae.Convolutions is not null) throw new UsageException("--tangents walks dense encoder layers; it is not available for --arch conv");
        var tangents = Tangents.Compute(cae, data.Test, points);
        result["tangent_points"] = points;
        result["tangent_directions"] = tangents.Directions;
        result["tangent_singular_values"] = new Rows(tangents.SingularValues.Select(r => r.ToList()));
        if (outDir is not null)
        {
            string path = Path.Combine(outDir, "tangents.png");
            TangentPlot.Save(path, tangents);
            result["tangents_png"] = path;
        }
        return result;
    }

    /// <summary>Rows of numbers: a JSON array of arrays, printed as the rows separated by " | ".</summary>
    sealed class Rows(IEnumerable<List<double>> rows) : List<List<double>>(rows)
    {
        public override string ToString() =>
            string.Join(" | ", this.Select(r => string.Join(" ", r.Select(v => v.ToString("G4", CultureInfo.InvariantCulture)))));
    }
}
