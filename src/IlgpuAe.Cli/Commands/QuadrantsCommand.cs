using System.Globalization;
using System.Text.Json;
using IlgpuAe.Data;
using IlgpuAe.Diagnostics;
using IlgpuAe.Training;

namespace IlgpuAe.Cli.Commands;

/// <summary>`ilgpu-ae quadrants`: the CVAE against a deterministic network on the quadrant-completion task, as a 2 × N table.</summary>
public sealed class QuadrantsCommand : CliCommand
{
    readonly CliOption<string?> _data = Opt.Text("data", "data as for train (default: as train's)", "DIR");
    readonly CliOption<int?> _limit = Opt.OptionalInt("limit", "use only the first N training images (quick runs)", 1);
    readonly CliOption<int[]> _given = Opt.IntList("given", "quadrants given, one column each (1 bottom-left, 2 the left half, 3 all but bottom-right)", [1, 2, 3]);
    readonly CliOption<int[]> _hidden = Opt.IntList("hidden", "the CVAE's hidden sizes (the baseline is its decoder without z)", [400]);
    readonly CliOption<int> _latent = Opt.Int("latent", "the CVAE's latent size", 20, 1, 1 << 12);
    readonly CliOption<int> _epochs = Opt.Int("epochs", "epochs of each model", 5, 0, RunLimits.MaxEpochs);
    readonly CliOption<int> _batch = Opt.Int("batch", "batch size", 128, 1, RunLimits.MaxBatch, "B");
    readonly CliOption<double> _lr = Opt.Double("lr", "Adam's learning rate", 1e-3, 0, 10, exclusiveMin: true);
    readonly CliOption<ulong> _seed = Opt.ULong("seed", "seed of initialisation, order and noise", 1);
    readonly CliOption<int> _iw = Opt.Int("iw", "importance samples of the CVAE's -log p(hidden | given)", 100, 1, 1 << 20, "K");
    readonly CliOption<int> _iwImages = Opt.Int("iw-images", "test images scored (the first ones)", 1000, 1);
    readonly CliOption<string?> _backend = Opt.Text("backend", "device", "auto|cuda|opencl|cpu", "auto");
    readonly CliOption<bool> _json = Opt.Flag("json", "print one JSON object instead of the table");
    readonly CliOption<bool> _quiet = Opt.Flag("quiet", "no per-epoch lines");

    public override string Name => "quadrants";

    public override string Description => "the CVAE against a deterministic network on the quadrant-completion task (Sohn et al. 2015)";

    public override string Remarks => """
        For each --given count, trains a cvae with --condition quadrants and a deterministic network of the
        CVAE's decoder shape (without z) to predict the hidden quadrants from the given ones, with the same
        data, batch, Adam and epochs, then prints the negative conditional log-likelihood of the hidden
        quadrants on the test images, nats per image: the CVAE's by importance sampling (--iw K samples),
        the baseline's exactly (its BCE on the hidden pixels).
        """;

    protected override IEnumerable<ICliOption> Options =>
        [_data, _limit, _given, _hidden, _latent, _epochs, _batch, _lr, _seed, _iw, _iwImages, _backend, _json, _quiet];

    public override int Run(IReadOnlyList<string> argv, Io io) => Parse(Declare(argv), argv, io, args =>
    {
        var given = args.Get(_given);
        if (given.Length == 0 || given.Any(g => g is < 1 or > 3)) throw new UsageException($"--given takes 1, 2 or 3 quadrants, got {string.Join(",", given)}");
        if (given.Distinct().Count() != given.Length) throw new UsageException($"--given names a count twice: {string.Join(",", given)}");
        var hidden = args.Get(_hidden);
        if (hidden.Length == 0 || hidden.Any(h => h <= 0)) throw new UsageException($"--hidden needs at least one positive size, got {string.Join(",", hidden)}");
        var data = DataSources.Load(args.Get(_data));
        int limit = args.Get(_limit) ?? int.MaxValue;
        var train = limit < data.Train.Count ? data.Train.Slice(0, limit) : data.Train;
        int batch = args.Get(_batch);
        if (train.Count < batch) throw new UsageException($"--batch {batch} is larger than the {train.Count} training images");
        if (train.Width <= 1 || train.Height <= 1) throw new UsageException($"the quadrant task needs image data; the data is {train.Width}x{train.Height}");
        var settings = new QuadrantSettings
        {
            Given = given, Hidden = hidden, Latent = args.Get(_latent), Epochs = args.Get(_epochs), Batch = batch,
            LearningRate = args.Get(_lr), Seed = args.Get(_seed), Samples = args.Get(_iw), Images = args.Get(_iwImages),
        };
        using var device = Device.Open(BackendNames.Parse(args.Get(_backend)!));
        bool quiet = args.Get(_quiet) || args.Get(_json);
        var results = QuadrantComparison.Run(device, train, data.Test, settings, quiet ? null : line => io.Out.WriteLine(line));
        if (args.Get(_json))
        {
            io.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["data"] = data.Source,
                ["train_images"] = train.Count,
                ["epochs"] = settings.Epochs,
                ["iw_samples"] = settings.Samples,
                ["columns"] = results.Select(r => new Dictionary<string, object>
                {
                    ["given"] = r.Given, ["cvae_nll"] = r.Cvae, ["cvae_elbo"] = r.CvaeElbo, ["baseline_nll"] = r.Baseline,
                    ["images"] = r.Images, ["seconds"] = r.Seconds,
                }).ToList(),
            }));
            return 0;
        }
        string F(double v) => v.ToString("F2", CultureInfo.InvariantCulture);
        io.Out.WriteLine($"-log p(hidden quadrants | given) in nats per image, {results[0].Images} test images of {data.Source}, " +
                         $"{settings.Epochs} epochs on {train.Count} images, CVAE by importance sampling with K = {settings.Samples}");
        io.Out.WriteLine("| | " + string.Join(" | ", results.Select(r => $"{r.Given} quadrant{(r.Given == 1 ? "" : "s")} given")) + " |");
        io.Out.WriteLine("|---|" + string.Concat(results.Select(_ => "---|")));
        io.Out.WriteLine("| CVAE | " + string.Join(" | ", results.Select(r => F(r.Cvae))) + " |");
        io.Out.WriteLine("| deterministic baseline | " + string.Join(" | ", results.Select(r => F(r.Baseline))) + " |");
        return 0;
    });
}
