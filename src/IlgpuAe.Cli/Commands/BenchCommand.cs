using System.Diagnostics;
using System.Globalization;
using ILGPU;
using ILGPU.Runtime;
using IlgpuAe.Cli.Recipes;
using IlgpuAe.Compute;
using IlgpuAe.Data;
using IlgpuAe.Diagnostics;
using IlgpuAe.Graph;
using IlgpuAe.Models;
using IlgpuAe.Ops;
using IlgpuAe.Optim;
using IlgpuAe.Training;

namespace IlgpuAe.Cli.Commands;

/// <summary>
/// `ilgpu-ae bench`: the headline figures of perf/ without BenchmarkDotNet, for a quick look on any machine.
/// Every figure is the median of timed repeats after a warm-up, each repeat synchronised, so it includes
/// all device work; the memory copy is measured in the same run so elementwise rows read as a share of it.
/// </summary>
public sealed partial class BenchCommand(ModelRecipes recipes) : CliCommand
{
    readonly CliOption<string?> _backend = Opt.Text("backend", "device", "auto|cuda|opencl|cpu", "auto");
    const string DefaultShapes = "1024x400x784,128x400x784";
    readonly CliOption<(int M, int N, int K)[]?> _gemm = new("gemm", "MxNxK[,...]",
        $"GEMM shapes, each run as NT (X·Wᵀ), NN (dZ·W) and TN (dZᵀ·X) (default {DefaultShapes})", ValueKind.Text, s => ParseShapes(s), null);
    readonly CliOption<int> _elements = Opt.Int("elements", "floats per buffer of the copy and elementwise rows", 1 << 22, 1, 1 << 28);
    readonly CliOption<int[]> _batches = Opt.IntList("batches", "train step batch sizes", [128, 1024], "B[,...]");
    readonly CliOption<int> _repeat = Opt.Int("repeat", "timed repeats per row, median reported", 10, 1, 100_000);
    readonly CliOption<int> _steps = Opt.Int("steps", "timed train steps per batch size", 20, 1, 100_000);
    readonly CliOption<string?> _models = Opt.Text("models", "model kinds for the Adam and train step rows (default: every model)", "K[,...]");
    readonly CliOption<bool> _profile = Opt.Flag("profile", "also print a per-op profile of the train step (synchronised per op)");
    readonly CliOption<string> _arch = Opt.Choice("arch", "the architecture of the models' train step rows (see train --arch)", "mlp", "mlp", "conv");
    readonly CliOption<int[]> _contextCopy = Opt.IntList("context-copy-kib", "buffer sizes of the machine context's host copy, in KiB", [1024, 262144], "KiB[,...]");
    readonly CliOption<bool> _cudaGraph = CudaGraphOption.Flag(
        "CUDA only: also time each train step's forward, backward and Adam uncaptured and as a replayed CUDA graph");

    public override string Name => "bench";

    public override string Description => "a quick table of GEMM GFLOP/s, elementwise GB/s against a memory copy and train step times";

    public override string Remarks => """
        Prints GEMM GFLOP/s, elementwise GB/s against a device memory copy measured in the same run, the
        Adam step over the model's parameters and the train step (upload, forward, backward, guard, Adam)
        of every model the command line knows, with the machine's load average.
        """;

    protected override IEnumerable<ICliOption> Options => [_backend, _gemm, _elements, _batches, _repeat, _steps, _models, _profile, _arch, _cudaGraph, _contextCopy];

    public override int Run(IReadOnlyList<string> argv, Io io) => Parse(Declare(argv), argv, io, args =>
    {
        var stdout = io.Out;
        var backend = BackendNames.Parse(args.Get(_backend)!);
        var shapes = args.Get(_gemm) is { Length: > 0 } given ? given : ParseShapes(DefaultShapes).Shapes; // an absent list reads as empty, not null
        int elements = args.Get(_elements);
        int[] batches = args.Get(_batches);
        int repeat = args.Get(_repeat);
        int steps = args.Get(_steps);
        bool profile = args.Get(_profile);
        string[] arch = args.Get(_arch) == "conv" ? ["--arch", "conv"] : [];
        var chosen = args.Get(_models) is { } kinds
            ? kinds.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(recipes.Find).ToArray()
            : recipes.All.ToArray();

        bool cudaGraph = args.Get(_cudaGraph);
        CudaGraphOption.CheckRequested(cudaGraph, backend);
        using var device = Device.Open(backend);
        CudaGraphOption.CheckOpened(cudaGraph, device);
        Line(stdout, $"ilgpu-ae bench: {device.Name} ({Device.BackendName(device.Backend)}), {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {LoadAverage()}");
        stdout.WriteLine("every row: median of the timed repeats after one warm-up, synchronised after each");
        var machine = MeasureContext(args.Get(_contextCopy), device, stdout);

        stdout.WriteLine();
        using var cublas = CublasSgemm.TryOpen(device, out string noCublas);
        stdout.WriteLine(cublas is null ? $"baseline: {noCublas}" : $"baseline: cuBLAS SGEMM from {cublas.Library}, in this process");
        RowTable.Write(io, [new("GEMM (float)", 28), new("m x n x k", 16), new("ms", 9, true), new("GFLOP/s", 9, true), new("of peak", 8, true)], row =>
        {
            foreach (var (m, n, k) in shapes)
                foreach (var ops in new[] { "NT", "NN", "TN" })
                {
                    double ms = TimeGemm(device, ops[0] == 'T', ops[1] == 'T', m, n, k, repeat);
                    row(["  gemm " + ops, $"{m}x{n}x{k}", F(ms, "F3"), F(2.0 * m * n * k / (ms * 1e6), "F1"), machine.OfPeak(2.0 * m * n * k / (ms * 1e6))]);
                    if (cublas is null) continue;
                    ms = TimeCublas(device, cublas, ops[0] == 'T', ops[1] == 'T', m, n, k, repeat);
                    row(["  cublas sgemm " + ops, $"{m}x{n}x{k}", F(ms, "F3"), F(2.0 * m * n * k / (ms * 1e6), "F1"), "-"]);
                }
        });

        stdout.WriteLine();
        var data = FashionMnist.LoadEmbedded().Train;
        RowTable.Write(io, [new("memory and elementwise", 28), new("floats", 16), new("ms", 9, true), new("GB/s", 9, true), new("of copy", 8, true), new("of host copy", 13, true)], row =>
        {
            var (copyMs, copyBytes) = TimeCopy(device, elements, repeat);
            double copyGbs = copyBytes / (copyMs * 1e6);
            row(["  device memory copy", F(elements, "D"), F(copyMs, "F3"), F(copyGbs, "F1"), "100%", machine.OfCopy(copyGbs, copyBytes)]);
            foreach (var (name, ms, bytes) in TimeElementwise(device, elements, repeat))
            {
                double gbs = bytes / (ms * 1e6);
                row(["  " + name, F(elements, "D"), F(ms, "F3"), F(gbs, "F1"), F(gbs / copyGbs, "P0"), machine.OfCopy(gbs, bytes)]);
            }
            foreach (var recipe in chosen)
            {
                using var model = recipe.Create(device, recipe.With(arch), data, 1);
                var (ms, bytes) = TimeAdam(model.Parameters, repeat);
                row(["  adam step, " + recipe.Kind + " params", F(model.Parameters.Count, "D"), F(ms, "F3"), F(bytes / (ms * 1e6), "F1"), F(bytes / (ms * 1e6) / copyGbs, "P0"), machine.OfCopy(bytes / (ms * 1e6), bytes)]);
            }
        });

        stdout.WriteLine();
        var profiles = new List<string>();
        var failures = new List<string>();
        RowTable.Write(io, [new("train step (float)", 28), new("batch", 16), new("ms", 9, true), new("min ms", 9, true), new("img/s", 8, true),
            new("launches/step", 14, true), new("reads/step", 11, true), new("alloc B/step", 13, true)], row =>
        {
            foreach (var recipe in chosen)
                foreach (int batch in batches)
                {
                    if (batch > data.Count) throw new UsageException($"--batches {batch} is larger than the {data.Count} images of the embedded data");
                    using var model = recipe.Create(device, recipe.With(arch), data, 1);
                    using var adam = new Adam(1e-3);
                    // A model with several objectives (aae) steps one Adam per objective.
                    var perObjective = model.Objectives.Select((n, i) => (n, i == 0 ? adam : new Adam(1e-3))).ToDictionary(p => p.n, p => (Optimizer)p.Item2);
                    using var extra = new OptimizersOf(perObjective.Values.Where(o => o != adam));
                    using var trainer = perObjective.Count == 0 ? new Trainer<float>(model, adam, batch, seed: 1) : new Trainer<float>(model, perObjective, batch, seed: 1);
                    var b = FirstBatch(data, batch);
                    var times = new double[steps];
                    trainer.Step(b); // plan and kernels compile here, outside the timing
                    device.Synchronize();
                    long launches = device.Launches, reads = device.HostReads, launcher = device.LauncherBytes;
                    long bytes = GC.GetAllocatedBytesForCurrentThread();
                    for (int i = 0; i < steps; i++) trainer.Step(b); // counted, untimed: the engine's own allocations, ILGPU's launcher apart
                    bytes = GC.GetAllocatedBytesForCurrentThread() - bytes - (device.LauncherBytes - launcher);
                    double perStep = (device.Launches - launches) / (double)steps, readsPerStep = (device.HostReads - reads) / (double)steps;
                    device.Synchronize();
                    for (int i = 0; i < steps; i++)
                        times[i] = Time(() => { trainer.Step(b); device.Synchronize(); });
                    Array.Sort(times);
                    double median = Median(times);
                    row(["  " + recipe.Kind + " " + Describe(model), F(batch, "D"), F(median, "F3"), F(times[0], "F3"), F(batch / (median / 1000), "F0"),
                        F(perStep, "F0"), F(readsPerStep, "F2"), F(bytes / (double)steps, "F0")]);
                    if (cudaGraph && perObjective.Count > 0)
                        failures.Add($"CUDA graph of {model.Kind} at batch {batch}: a model with several objectives is not captured");
                    else if (cudaGraph)
                        foreach (var (name, t) in TimeCaptured(device, model, adam, b, steps, failures))
                            row(["  " + recipe.Kind + " " + name, F(batch, "D"), t is null ? "failed" : F(t.Value.Median, "F3"),
                                t is null ? "-" : F(t.Value.Min, "F3"), t is null ? "-" : F(batch / (t.Value.Median / 1000), "F0"), "-", "-", "-"]);
                    if (profile)
                    {
                        var plan = model.Plan(batch, training: true);
                        var p = new StepProfile();
                        plan.Profile = p;
                        trainer.Step(b);
                        p.Reset();
                        for (int i = 0; i < steps; i++) trainer.Step(b);
                        plan.Profile = null;
                        profiles.Add(string.Create(CultureInfo.InvariantCulture,
                            $"profile of {recipe.Kind} at batch {batch} (every op synchronised, so the total exceeds the plain step):") + Environment.NewLine + p.Format());
                    }
                }
        });
        foreach (var f in failures) stdout.WriteLine(f);
        foreach (var p in profiles)
        {
            stdout.WriteLine();
            stdout.Write(p);
        }
        stdout.WriteLine();
        Line(stdout, $"load average after the run: {LoadAverage()}");
        return 0;
    });

    static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    sealed class OptimizersOf(IEnumerable<Optimizer> optimizers) : IDisposable
    {
        public void Dispose()
        {
            foreach (var o in optimizers) o.Dispose();
        }
    }

    static string F(long v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    static void Line(TextWriter w, FormattableString s) => w.WriteLine(s.ToString(CultureInfo.InvariantCulture));

    static ((int M, int N, int K)[] Shapes, string? Error) ParseShapes(string s)
    {
        var list = new List<(int, int, int)>();
        foreach (var part in s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var d = part.Split('x');
            if (d.Length != 3 || !d.All(v => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int x) && x > 0))
                return ([], $"--gemm must be a comma-separated list of MxNxK with positive sizes, got '{part}'");
            list.Add((int.Parse(d[0], CultureInfo.InvariantCulture), int.Parse(d[1], CultureInfo.InvariantCulture), int.Parse(d[2], CultureInfo.InvariantCulture)));
        }
        if (list.Count == 0) return ([], "--gemm needs at least one MxNxK shape");
        return ([.. list], null);
    }

    static string Describe(Model<float> model) => model is Autoencoder<float> { Options.Conv: null } ae
        ? $"{ae.Options.Features}-{string.Join("-", ae.Options.Hidden)}-{ae.Options.Code}"
        : $"{model.Parameters.Count} params";

    static Batch FirstBatch(Dataset data, int rows)
    {
        var indices = Enumerable.Range(0, rows).ToArray();
        var images = new float[rows * data.Features];
        var labels = new byte[rows];
        data.Gather(indices, images);
        data.GatherLabels(indices, labels);
        return new Batch(images, labels, rows);
    }

    static double TimeGemm(Device d, bool ta, bool tb, int m, int n, int k, int repeat)
    {
        using var a = Filled(d, (long)m * k, 1);
        using var b = Filled(d, (long)k * n, 2);
        using var cbuf = d.Accelerator.Allocate1D<float>((long)m * n);
        return Repeat(repeat, () =>
        {
            Gemm.Run(d, ta, tb, m, n, k, 1f, a.View, b.View, 0f, cbuf.View);
            d.Synchronize();
        });
    }

    static (double Ms, double Bytes) TimeCopy(Device d, int n, int repeat)
    {
        using var x = Filled(d, n, 3);
        using var y = d.Accelerator.Allocate1D<float>(n);
        double ms = Repeat(repeat, () =>
        {
            x.View.CopyTo(y.View);
            d.Synchronize();
        });
        return (ms, 2.0 * 4 * n);
    }

    /// <summary>Bytes count every float read and written once: what the kernel must move at the least.</summary>
    static IEnumerable<(string Name, double Ms, double Bytes)> TimeElementwise(Device d, int n, int repeat)
    {
        using var x = Filled(d, n, 4);
        using var dy = Filled(d, n, 5);
        using var y = d.Accelerator.Allocate1D<float>(n);
        using var dx = d.Accelerator.Allocate1D<float>(n);
        var rows = new List<(string, double, double)>();
        foreach (var f in new[] { Activation.Relu, Activation.Sigmoid })
        {
            string name = f.ToString().ToLowerInvariant();
            rows.Add(($"{name} forward", Repeat(repeat, () =>
            {
                ActivationLaunch.Forward(d, f, x.View, y.View, 0.01f);
                d.Synchronize();
            }), 2.0 * 4 * n));
            rows.Add(($"{name} backward", Repeat(repeat, () =>
            {
                ActivationLaunch.Backward(d, f, y.View, dy.View, dx.View, 0.01f, 0f);
                d.Synchronize();
            }), 3.0 * 4 * n));
        }
        return rows;
    }

    /// <summary>Adam reads p, g, m, v and writes p, m, v.</summary>
    static (double Ms, double Bytes) TimeAdam(ParameterStore<float> store, int repeat)
    {
        using var adam = new Adam(1e-3);
        double ms = Repeat(repeat, () =>
        {
            adam.Step(store);
            store.Device.Synchronize();
        });
        return (ms, 7.0 * 4 * store.Count);
    }

    static MemoryBuffer1D<float, Stride1D.Dense> Filled(Device d, long n, int seed)
    {
        var rng = new Random(seed);
        var host = new float[n];
        for (long i = 0; i < n; i++) host[i] = (float)rng.NextDouble() - 0.5f;
        return d.Accelerator.Allocate1D(host);
    }

    /// <summary>One warm-up call (compiles the kernel), then the median of <paramref name="repeat"/> timed calls in ms.</summary>
    static double Repeat(int repeat, Action work)
    {
        work();
        var times = new double[repeat];
        for (int i = 0; i < repeat; i++) times[i] = Time(work);
        Array.Sort(times);
        return Median(times);
    }

    static double Time(Action work)
    {
        long start = Stopwatch.GetTimestamp();
        work();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;

    /// <summary>The 1, 5 and 15 minute load averages (Linux), since a shared machine's figures mean little without them.</summary>
    static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return string.Join(" ", parts.Take(3));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "unknown";
        }
    }
}
