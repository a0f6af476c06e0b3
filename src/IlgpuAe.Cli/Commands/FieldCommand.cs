using System.Globalization;
using IlgpuAe.Kernels;
using IlgpuAe.Training;
using IlgpuAe.Diagnostics;
using IlgpuAe.Plots;

namespace IlgpuAe.Cli.Commands;

/// <summary>`ilgpu-ae field`: trains a DAE on a seeded 2-D circle or spiral and draws its field r(x~) − x~.</summary>
public sealed class FieldCommand : CliCommand
{
    readonly CliOption<string> _shape = Opt.Choice("shape", "the toy distribution (circle radius 0.3)", "circle", "circle", "spiral");
    readonly CliOption<int> _points = Opt.Int("points", "training points", 2000, 1, 10_000_000);
    readonly CliOption<double> _dataNoise = Opt.Double("data-noise", "standard deviation of the points about the curve, in [0, 0.1)", 0.01, 0, 0.0999, helpName: "S");
    readonly CliOption<double> _sigma = Opt.Double("sigma", "corruption standard deviation, > 0", 0.05, 0, 1, exclusiveMin: true, helpName: "S");
    readonly CliOption<int[]> _hidden = Opt.IntList("hidden", "hidden sizes", [64]);
    readonly CliOption<int> _code = Opt.Int("code", "code size", 32, 1, 1 << 16);
    readonly CliOption<string> _activation = Opt.Activation("activation", "hidden and code activation", "tanh");
    readonly CliOption<int> _epochs = Opt.Int("epochs", "epochs", 150, 0, 100_000);
    readonly CliOption<int> _batch = Opt.Int("batch", "batch size", 64, 1, 1 << 20, "B");
    readonly CliOption<double> _lr = Opt.Double("lr", "learning rate", 1e-2, 0, 10, exclusiveMin: true);
    readonly CliOption<int> _grid = Opt.Int("grid", "arrows per side of the grid", 20, 1, 1000);
    readonly CliOption<ulong> _seed = Opt.ULong("seed", "seed of data, initialisation, order and corruption", 1);
    readonly CliOption<string?> _backend = Opt.Text("backend", "device", "auto|cuda|opencl|cpu", "auto");
    readonly CliOption<string?> _out = Opt.Text("out", "output directory", "DIR", Path.Combine("runs", "field"));
    readonly CliOption<bool> _quiet = Opt.Flag("quiet", "no per-epoch lines");

    public override string Name => "field";

    public override string Description => "train a denoising autoencoder on a 2-D toy distribution and draw its vector field";

    public override string Remarks => """
        Trains a denoising autoencoder (squared error, gaussian corruption) on points of a circle or a
        spiral in the unit square, then writes field.png: the data and the arrows r(x) − x on a grid,
        which for a DAE point back to the data. For the circle it prints the mean cosine between the
        arrows and the direction to the nearest data point, at grid points sigma to 3·sigma from the circle.
        """;

    protected override IEnumerable<ICliOption> Options =>
        [_shape, _points, _dataNoise, _sigma, _hidden, _code, _activation, _epochs, _batch, _lr, _grid, _seed, _backend, _out, _quiet];

    public override int Run(IReadOnlyList<string> argv, Io io) => Parse(Declare(argv), argv, io, args =>
    {
        var settings = new ToyDenoiserSettings
        {
            Shape = args.Get(_shape) == "circle" ? ToyShape.Circle : ToyShape.Spiral,
            Points = args.Get(_points),
            DataNoise = args.Get(_dataNoise),
            Sigma = args.Get(_sigma),
            Hidden = args.Get(_hidden),
            Code = args.Get(_code),
            Activation = Opt.ActivationOf(args.Get(_activation)),
            Epochs = args.Get(_epochs),
            Batch = args.Get(_batch),
            LearningRate = args.Get(_lr),
            Seed = args.Get(_seed),
        };
        int grid = args.Get(_grid);
        if (settings.Points < settings.Batch)
            throw new UsageException($"--batch {settings.Batch} is larger than the {settings.Points} points");
        string outDir = args.Get(_out)!;
        bool quiet = args.Get(_quiet);
        var backend = BackendNames.Parse(args.Get(_backend)!);
        using var device = Device.Open(backend);
        Directory.CreateDirectory(outDir);
        var (model, data, reports) = ToyDenoiser.Train(device, settings, r => { if (!quiet) io.Out.WriteLine(r.ToString()); });
        using var _ = model;
        var arrows = ScoreField.OnGrid(model, grid);
        string shape = settings.Shape.ToString().ToLowerInvariant();
        string sigma = settings.Sigma.ToString(CultureInfo.InvariantCulture);
        FieldPlot.Save(Path.Combine(outDir, "field.png"), $"DAE field on a {shape}, sigma {sigma}, {reports.Count} epochs", data, arrows, grid);
        if (reports.Count > 0) io.Out.WriteLine($"final test loss {reports[^1].TestLoss.ToString("G4", CultureInfo.InvariantCulture)} per point");
        if (settings.Shape == ToyShape.Circle)
        {
            var (cosine, count) = ScoreField.CosineToData(arrows, data, settings.Sigma, 3 * settings.Sigma);
            io.Out.WriteLine($"mean cosine to the nearest data point at {count} grid points sigma..3·sigma from the circle: {cosine.ToString("F4", CultureInfo.InvariantCulture)}");
        }
        io.Out.WriteLine($"wrote field.png in {outDir}");
        return 0;
    });
}
