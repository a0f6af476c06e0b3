using System.Globalization;
using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Training;
using IlgpuAe.Diagnostics;
using IlgpuAe.Plots;

namespace IlgpuAe.Cli.Recipes;

/// <summary>
/// `eval --jacobian-spectrum N` for every autoencoder recipe: the singular values of df/dx at the
/// first N test points (mean sorted spectrum, mean ‖df/dx‖²_F), and spectrum.png in --out.
/// </summary>
public static class SpectrumDiagnostic
{
    public static IReadOnlyDictionary<string, object> Run(Model<float> model, Args args, EvalOptions eval, DataSplit data, string? outDir)
    {
        var result = new Dictionary<string, object>();
        if (args.Get(eval.JacobianSpectrum) is not int requested) return result;
        int points = Opt.InRange(eval.JacobianSpectrum.Key, requested, 1, data.Test.Count);
        if (model is not Autoencoder<float> ae) throw new UsageException($"--jacobian-spectrum needs an autoencoder, got {model.Kind}");
        if (ae.Convolutions is not null) throw new UsageException("--jacobian-spectrum walks dense encoder layers; it is not available for --arch conv");
        var spectrum = JacobianSpectrum.Compute(ae, data.Test, points);
        result["jacobian_points"] = points;
        result["jacobian_frobenius_sq"] = spectrum.MeanFrobeniusSquared;
        result["jacobian_spectrum"] = new Numbers(spectrum.MeanSpectrum);
        if (outDir is not null)
        {
            SpectrumPlot.Save(Path.Combine(outDir, "spectrum.png"), $"{model.Kind}: Jacobian spectrum at {points} test points", spectrum.MeanSpectrum);
            result["spectrum_png"] = Path.Combine(outDir, "spectrum.png");
        }
        return result;
    }

    /// <summary>A list that serialises as a JSON array and prints as plain numbers.</summary>
    sealed class Numbers(IEnumerable<double> values) : List<double>(values)
    {
        public override string ToString() => string.Join(" ", this.Select(v => v.ToString("G4", CultureInfo.InvariantCulture)));
    }
}
