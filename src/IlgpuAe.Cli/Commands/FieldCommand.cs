using System.Globalization;
using IlgpuAe.Cli.Recipes;
using IlgpuAe.Training;
using IlgpuAe.Diagnostics;
using IlgpuAe.Plots;

namespace IlgpuAe.Cli.Commands;

/// <summary>`ilgpu-ae field`: trains a DAE on a seeded 2-D circle or spiral and draws its field r(x~) − x~.</summary>
public static class FieldCommand
{
    public const string Help = """
        usage: ilgpu-ae field [options]

        Trains a denoising autoencoder (squared error, gaussian corruption) on points of a circle or a
        spiral in the unit square, then writes field.png: the data and the arrows r(x) − x on a grid,
        which for a DAE point back to the data. For the circle it prints the mean cosine between the
        arrows and the direction to the nearest data point, at grid points sigma to 3·sigma from the circle.

          --shape circle|spiral       the toy distribution (default circle; circle radius 0.3)
          --points N                  training points (default 2000)
          --data-noise S              standard deviation of the points about the curve, in [0, 0.1) (default 0.01)
          --sigma S                   corruption standard deviation, > 0 (default 0.05)
          --hidden H[,H...]           hidden sizes (default 64)
          --code N                    code size (default 32)
          --activation A              hidden and code activation (default tanh)
          --epochs N                  (default 150)   --batch B (default 64)   --lr X (default 0.01)
          --grid N                    arrows per side of the grid (default 20)
          --seed S                    seed of data, initialisation, order and corruption (default 1)
          --backend auto|cuda|opencl|cpu   (default auto)
          --out DIR                   output directory (default runs/field)
          --quiet                     no per-epoch lines
        """;

    public static int Run(string[] argv, TextWriter stdout)
    {
        var args = Args.Parse("field", argv,
            ["shape", "points", "data-noise", "sigma", "hidden", "code", "activation", "epochs", "batch", "lr", "grid", "seed", "backend", "out"], ["quiet"]);
        var settings = new ToyDenoiserSettings
        {
            Shape = args.Choice("shape", "circle", "circle", "spiral") == "circle" ? ToyShape.Circle : ToyShape.Spiral,
            Points = args.Int("points", 2000, 1, 10_000_000),
            DataNoise = args.Double("data-noise", 0.01, 0, 0.0999),
            Sigma = args.Double("sigma", 0.05, 0, 1, exclusiveMin: true),
            Hidden = args.IntList("hidden", [64]),
            Code = args.Int("code", 32, 1, 1 << 16),
            Activation = AeRecipe.ParseActivation(args.String("activation", "tanh")),
            Epochs = args.Int("epochs", 150, 0, 100_000),
            Batch = args.Int("batch", 64, 1, 1 << 20),
            LearningRate = args.Double("lr", 1e-2, 0, 10, exclusiveMin: true),
            Seed = args.ULong("seed", 1),
        };
        int grid = args.Int("grid", 20, 1, 1000);
        if (settings.Points < settings.Batch)
            throw new UsageException($"--batch {settings.Batch} is larger than the {settings.Points} points");
        string outDir = args.String("out", Path.Combine("runs", "field"));
        bool quiet = args.Has("quiet");
        var backend = BackendNames.Parse(args.String("backend", "auto"));
        using var device = Device.Open(backend);
        Directory.CreateDirectory(outDir);
        var (model, data, reports) = ToyDenoiser.Train(device, settings, r => { if (!quiet) stdout.WriteLine(r.ToString()); });
        using var _ = model;
        var arrows = ScoreField.OnGrid(model, grid);
        string shape = settings.Shape.ToString().ToLowerInvariant();
        string sigma = settings.Sigma.ToString(CultureInfo.InvariantCulture);
        FieldPlot.Save(Path.Combine(outDir, "field.png"), $"DAE field on a {shape}, sigma {sigma}, {reports.Count} epochs", data, arrows, grid);
        if (reports.Count > 0) stdout.WriteLine($"final test loss {reports[^1].TestLoss.ToString("G4", CultureInfo.InvariantCulture)} per point");
        if (settings.Shape == ToyShape.Circle)
        {
            var (cosine, count) = ScoreField.CosineToData(arrows, data, settings.Sigma, 3 * settings.Sigma);
            stdout.WriteLine($"mean cosine to the nearest data point at {count} grid points sigma..3·sigma from the circle: {cosine.ToString("F4", CultureInfo.InvariantCulture)}");
        }
        stdout.WriteLine($"wrote field.png in {outDir}");
        return 0;
    }
}
