using System.Diagnostics;
using System.Globalization;
using IlgpuAe.Data;
using IlgpuAe.Diagnostics;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Perf;
using IlgpuAe.Training;
using TorchSharp;

namespace IlgpuAe.Torch;

/// <summary>
/// Our engine and libtorch (TorchSharp-cpu) side by side in one process, at the same thread count: SGEMM in the transposes of a
/// Linear layer, every mirrored model's train step at each batch size, the conv VAE and AE steps, a full VAE epoch on
/// Fashion-MNIST, and first a check that both compute the same losses, gradients and Adam step from the same weights.
/// Our side runs the code of perf/IlgpuAe.Perf (GemmBenchmarks.IlgpuGemm, TrainStepBenchmarks.Create with Trainer.Step and
/// a synchronise, as TrainStepBenchmarks.TrainStep), timed here in blocks that alternate with libtorch's.
/// </summary>
public static class Program
{
    const string Usage = """
        usage: IlgpuAe.Torch [--sections check,gemm,step,conv,epoch] [--models ae,vae,cvae,dae,sparse,cae] [--batches 128,1024]
                             [--rounds 3] [--block-seconds 1] [--threads 2] [--data DIR] [--epochs 1] [--epoch-arch mlp|conv]
        --threads sets libtorch's intra-op threads; ours are always 2 (CPUDevice(2, 1, 1)), so only 2 compares like with like.
        --epoch-arch conv trains issue 12's conv VAE in the epoch section instead of the 784-400-20 MLP VAE.
        """;

    static readonly string[] AllSections = ["check", "gemm", "step", "conv", "epoch"];

    public static int Main(string[] args)
    {
        if (args is ["--help"] or ["-h"])
        {
            Console.WriteLine(Usage);
            return 0;
        }
        Options opt;
        try { opt = Options.Parse(args); }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }
        try { return Run(opt, Console.Out); }
        catch (Exception e) when (e is IlgpuAeException or NotSupportedException or DllNotFoundException or TypeInitializationException)
        {
            Console.Error.WriteLine($"error: {(e is TypeInitializationException { InnerException: { } inner } ? inner.Message : e.Message)}");
            return 1;
        }
    }

    static int Run(Options opt, TextWriter o)
    {
        // Inter-op threads must be set before libtorch runs anything parallel; intra-op threads match our CPUDevice(2, 1, 1).
        torch.set_num_interop_threads(1);
        torch.set_num_threads(opt.Threads);
        torch.manual_seed(1); // libtorch's own draws (ε, noise) the same in every run; ours are Philox(seed 1, step, row)
        // The full data set first: a wrong --data is one error now, not after minutes of rows.
        var split = opt.Sections.Contains("epoch") ? FashionMnist.Load(opt.Data) : null;
        o.WriteLine(Str($"ilgpu-ae vs libtorch: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, commit {Commit()}, load average {Load.All}"));
        o.WriteLine(Str($"libtorch {torch.__version__} (TorchSharp-cpu 0.107.0), {torch.get_num_threads()} intra-op threads, 1 inter-op; ours: ILGPU CPU accelerator, CPUDevice(2, 1, 1), {Environment.ProcessorCount} cores"));
        if (opt.Threads != 2) o.WriteLine($"warning: libtorch runs {opt.Threads} threads against our 2: the ratios compare unequal thread counts");
        // libgomp spins between parallel regions unless told otherwise: fastest on a quiet machine, many times slower on an
        // oversubscribed one (measured here: a VAE step at batch 128 of 0.2-1.5 s spinning against 28-56 ms with PASSIVE at load 40).
        o.WriteLine($"OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "(unset: libgomp spins, then sleeps)"}");
        foreach (var line in MachineContext.Measure().Lines()) o.WriteLine(line);
        o.WriteLine(Str($"every row: median and p20/p80 of per-call times (ms), ours and libtorch's in alternating blocks, {opt.Rounds} rounds of about {opt.BlockSeconds} s; ratio = our median / libtorch's; load = 1-min load average at the row's end"));
        bool ok = true;
        var embedded = FashionMnist.LoadEmbedded().Train;

        if (opt.Sections.Contains("check"))
        {
            o.WriteLine();
            o.WriteLine("same computation: our weights copied into libtorch, first step on the first 128 embedded images (terms, gradients, one Adam step)");
            using var device = Device.Open(Backend.Cpu);
            var b = FirstBatch(embedded, 128);
            foreach (var (label, create) in Models(opt))
            {
                using var model = create(device);
                ok &= Equivalence.Check(o, label, model, b);
            }
        }

        if (opt.Sections.Contains("gemm"))
        {
            Table.Header(o, "SGEMM C[m,n] = op(A)·op(B) (NT = X·Wᵀ forward, NN = dY·W, TN = dYᵀ·X), float; rate GFLOP/s", "GFLOP/s");
            foreach (var shape in GemmBenchmarks.Shapes.Where(s => s != "1024,1024,1024"))
                foreach (var ops in new[] { "NT", "NN", "TN" })
                {
                    var dims = shape.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
                    var bench = new GemmBenchmarks { Shape = shape, Ops = ops, Backend = "cpu" };
                    bench.Setup();
                    var (a, bt) = TorchOperands(ops, dims[0], dims[1], dims[2]);
                    var (ours, theirs) = Samples.Interleaved(bench.IlgpuGemm, () =>
                    {
                        using var scope = torch.NewDisposeScope();
                        torch.mm(a, bt);
                    }, opt.Rounds, opt.BlockSeconds);
                    bench.Cleanup();
                    double flop = 2.0 * dims[0] * dims[1] * dims[2];
                    Table.Row(o, $"sgemm {ops} {dims[0]}x{dims[1]}x{dims[2]}", ours, theirs, ms => flop / (ms * 1e6));
                    a.Dispose(); bt.Dispose();
                }
        }

        if (opt.Sections.Contains("step") || opt.Sections.Contains("conv"))
        {
            Table.Header(o, "train step: upload, forward, backward, Adam (ours also its device guard), batch of the first embedded images; rate img/s", "img/s");
            using var device = Device.Open(Backend.Cpu);
            foreach (var (label, create) in Models(opt).Where(m => opt.Sections.Contains(m.Label.StartsWith("conv", StringComparison.Ordinal) ? "conv" : "step")))
                foreach (int batch in opt.Batches)
                {
                    using var model = create(device);
                    using var adam = new Adam(1e-3);
                    using var trainer = new Trainer<float>(model, adam, batch, seed: 1);
                    using var mirror = new TorchMirror(model);
                    var b = FirstBatch(embedded, batch);
                    var (ours, theirs) = Samples.Interleaved(() => { trainer.Step(b); device.Synchronize(); }, () => mirror.Step(b.Images, b.Labels, batch),
                        opt.Rounds, opt.BlockSeconds);
                    Table.Row(o, $"{label} batch {batch}", ours, theirs, ms => batch / (ms / 1000));
                }
        }

        if (split is not null) Epoch(o, opt, split);
        o.WriteLine();
        o.WriteLine(Str($"load average at the end: {Load.All}"));
        if (!ok) o.WriteLine("error: a same-computation check failed (see FAIL above): the timings compare different computations");
        return ok ? 0 : 1;
    }

    /// <summary>The models of the step rows: the chosen MLP kinds with TrainStepBenchmarks' options, then issue 12's default conv VAE and AE.</summary>
    static IEnumerable<(string Label, Func<Device, Model<float>> Create)> Models(Options opt)
    {
        foreach (var kind in opt.Models)
            yield return (kind switch { "vae" => "vae 784-400-20", "cvae" => "cvae 784-400-20", "ae" => "ae 784-400-32", "cae" => "cae 784-32", _ => kind + " 784-400-32" },
                d => TrainStepBenchmarks.Create(d, kind));
        if (!opt.Sections.Contains("conv") && !opt.Sections.Contains("check")) yield break;
        yield return ("conv vae", d => new Vae<float>(d, new VaeOptions { Latent = 20, Conv = new ConvOptions() }, seed: 1));
        yield return ("conv ae", d => new Autoencoder<float>(d, new AutoencoderOptions { Code = 32, Conv = new ConvOptions() }, seed: 1));
    }

    /// <summary>
    /// One or more epochs of the 784-400-20 VAE (or, with --epoch-arch conv, issue 12's conv VAE) on the full Fashion-MNIST (batch 128, Adam 1e-3, seed 1), each side from the same
    /// weights (ours after the data-mean output bias) and the same shuffled batches (our Batcher), then the test -ELBO per image.
    /// </summary>
    static void Epoch(TextWriter o, Options opt, DataSplit split)
    {
        o.WriteLine();
        o.WriteLine(Str($"{(opt.EpochArch == "conv" ? "conv VAE (issue 12's default)" : "VAE 784-400-20")} on {split.Source}: {opt.Epochs} epoch(s), batch 128, Adam 1e-3, seed 1, same initial weights and batch order; seconds of training, then test -ELBO per image"));
        using var device = Device.Open(Backend.Cpu);
        using var model = opt.EpochArch == "conv" ? Models(opt with { Sections = ["conv"] }).First(m => m.Label == "conv vae").Create(device)
            : TrainStepBenchmarks.Create(device, "vae");
        model.InitialiseFromData(split.Train);
        using var mirror = new TorchMirror(model);
        using var adam = new Adam(1e-3);
        using var trainer = new Trainer<float>(model, adam, 128, seed: 1);
        var reports = trainer.Run(split.Train, split.Test, opt.Epochs);
        o.WriteLine(Str($"  ours:     {string.Join(", ", reports.Select(r => $"epoch {r.Epoch} {r.Seconds:F2} s test {r.TestLoss:F3}"))}  (load {Load.One:F1})"));
        o.Flush();

        var batcher = new Batcher(split.Train.Count, 128, 1, dropLast: true);
        var images = new float[128 * split.Train.Features];
        var labels = new byte[128];
        var parts = new List<string>();
        var torchSeconds = new List<double>();
        for (int epoch = 1; epoch <= opt.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            foreach (var indices in batcher.Batches(epoch))
            {
                split.Train.Gather(indices, images);
                split.Train.GatherLabels(indices, labels);
                mirror.Step(images, labels, 128);
            }
            double seconds = clock.Elapsed.TotalSeconds;
            torchSeconds.Add(seconds);
            parts.Add(Str($"epoch {epoch} {seconds:F2} s test {TestLoss(mirror, split.Test):F3}"));
        }
        o.WriteLine($"  libtorch: {string.Join(", ", parts)}  (load {Load.One:F1})");
        // Epoch 1 holds our plan's and kernels' compilation and libtorch's first-call costs; a second epoch is the steady one.
        o.WriteLine(Str($"  seconds ours/torch: {string.Join(", ", reports.Select((r, i) => $"epoch {r.Epoch} {r.Seconds / torchSeconds[i]:F2}"))}"));
    }

    /// <summary>The mean -ELBO per test image (one ε per image), in batches of 128 and the remainder.</summary>
    static double TestLoss(TorchMirror mirror, Dataset test)
    {
        using var _ = torch.no_grad();
        double sum = 0;
        for (int start = 0; start < test.Count; start += 128)
        {
            int rows = Math.Min(128, test.Count - start);
            using var scope = torch.NewDisposeScope();
            var images = new float[rows * test.Features];
            test.Gather(Enumerable.Range(start, rows).ToArray(), images);
            sum += mirror.Loss(torch.tensor(images, [rows, test.Features])).Loss.item<float>() * rows;
        }
        return sum / test.Count;
    }

    /// <summary>A [m,k] or (TN) [k,m] viewed transposed, B [k,n] or (NT) [n,k] viewed transposed: libtorch's mm sees the same op(A)·op(B).</summary>
    static (torch.Tensor A, torch.Tensor B) TorchOperands(string ops, int m, int n, int k)
    {
        var a = ops[0] == 'T' ? torch.rand(k, m).sub_(0.5).t() : torch.rand(m, k).sub_(0.5);
        var b = ops[1] == 'T' ? torch.rand(n, k).sub_(0.5).t() : torch.rand(k, n).sub_(0.5);
        return (a, b);
    }

    static Batch FirstBatch(Dataset data, int rows)
    {
        if (rows > data.Count) throw new IlgpuAeException($"batch {rows} is larger than the {data.Count} embedded images");
        var indices = Enumerable.Range(0, rows).ToArray();
        var images = new float[rows * data.Features];
        var labels = new byte[rows];
        data.Gather(indices, images);
        data.GatherLabels(indices, labels);
        return new Batch(images, labels, rows);
    }

    static string Commit()
    {
        if (Environment.GetEnvironmentVariable("ILGPU_AE_COMMIT") is { Length: > 0 } given) return given;
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            string sha = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? sha : "unknown";
        }
        catch (System.ComponentModel.Win32Exception) { return "unknown (no git)"; }
    }

    static string Str(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    sealed record Options(string[] Sections, string[] Models, int[] Batches, int Rounds, double BlockSeconds, int Threads, string Data, int Epochs, string EpochArch)
    {
        public static Options Parse(string[] args)
        {
            var o = new Options(AllSections, [.. TrainStepBenchmarks.Models], [128, 1024], 3, 1.0, 2, FashionMnist.SystemDirectory, 1, "mlp");
            for (int i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                string[] List() => Value().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                int Int(int min, int max) => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= min && v <= max
                    ? v : throw new ArgumentException($"{args[i - 1]} takes a whole number from {min} to {max}, got '{args[i]}'");
                o = args[i] switch
                {
                    "--sections" => o with { Sections = Known(List(), AllSections, "--sections") },
                    "--models" => o with { Models = Known(List(), [.. TrainStepBenchmarks.Models], "--models") },
                    "--batches" => o with { Batches = List().Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v is > 0 and <= 8000
                        ? v : throw new ArgumentException($"--batches takes sizes from 1 to 8000 (the embedded images), got '{s}'")).ToArray() },
                    "--rounds" => o with { Rounds = Int(1, 1000) },
                    "--block-seconds" => o with { BlockSeconds = double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s > 0 && s <= 600
                        ? s : throw new ArgumentException($"--block-seconds takes a number of seconds in (0, 600], got '{args[i]}'") },
                    "--threads" => o with { Threads = Int(1, 256) },
                    "--data" => o with { Data = Value() },
                    "--epochs" => o with { Epochs = Int(1, 100) },
                    "--epoch-arch" => o with { EpochArch = Known([Value()], ["mlp", "conv"], "--epoch-arch")[0] },
                    _ => throw new ArgumentException($"unknown option '{args[i]}'"),
                };
            }
            return o;
        }

        static string[] Known(string[] given, string[] known, string option) =>
            given.Length > 0 && given.All(known.Contains) ? given
                : throw new ArgumentException($"{option} takes a comma-separated list of {string.Join(", ", known)}, got '{string.Join(",", given)}'");
    }
}
