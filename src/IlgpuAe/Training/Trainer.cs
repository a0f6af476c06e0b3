using System.Diagnostics;
using System.Numerics;
using IlgpuAe.Data;
using IlgpuAe.Graph;
using IlgpuAe.Models;
using IlgpuAe.Optim;

namespace IlgpuAe.Training;

/// <summary>
/// Runs epochs of forward, backward and optimizer step over a shuffled dataset, and evaluates.
/// Knows models only through <see cref="Model{T}"/>: plans, inputs, named terms.
/// </summary>
public sealed class Trainer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly Model<T> _model;
    readonly Optimizer _optimizer;
    float[] _images = [];
    byte[] _labels = [];

    public Trainer(Model<T> model, Optimizer optimizer, int batch, ulong seed)
    {
        if (batch <= 0) throw new IlgpuAeException($"batch size must be positive, got {batch}");
        _model = model;
        _optimizer = optimizer;
        BatchSize = batch;
        Seed = seed;
    }

    public int BatchSize { get; }
    public ulong Seed { get; }

    /// <summary>Optimizer steps taken; random ops draw from (seed, step) so runs repeat exactly.</summary>
    public long Steps { get; private set; }

    /// <summary>Trains for <paramref name="epochs"/> epochs; evaluates on <paramref name="test"/> after each.</summary>
    public IReadOnlyList<EpochReport> Run(Dataset train, Dataset test, int epochs,
        Action<EpochReport>? onEpoch = null, Action<int, int>? onBatch = null, int firstEpoch = 1)
    {
        if (epochs < 0) throw new IlgpuAeException($"epochs must be zero or positive, got {epochs}");
        if (train.Features != _model.Features)
            throw new IlgpuAeException($"the data has {train.Features} features per image, the model expects {_model.Features}");
        if (train.Count < BatchSize)
            throw new IlgpuAeException($"the training set has {train.Count} images, fewer than one batch of {BatchSize}");
        var batcher = new Batcher(train.Count, BatchSize, Seed);
        var plan = _model.Plan(BatchSize, training: true);
        var reports = new List<EpochReport>();
        for (int epoch = firstEpoch; epoch < firstEpoch + epochs; epoch++)
        {
            plan.ResetTermSums();
            var clock = Stopwatch.StartNew();
            int done = 0, total = batcher.BatchesPerEpoch;
            foreach (var indices in batcher.Batches(epoch))
            {
                Step(plan, Gather(train, indices));
                done++;
                onBatch?.Invoke(done, total);
            }
            double[] sums = plan.TermSums(); // synchronises: the clock below includes all device work
            double seconds = clock.Elapsed.TotalSeconds;
            var trainTerms = Named(plan, sums.Select(s => s / total).ToArray());
            var eval = Evaluate(_model, test, BatchSize);
            var report = new EpochReport(epoch, Objective(plan, trainTerms), eval.Loss, eval.Terms, trainTerms,
                seconds, total * BatchSize / seconds, Steps);
            reports.Add(report);
            onEpoch?.Invoke(report);
        }
        return reports;
    }

    /// <summary>One optimizer step on one batch (no synchronisation: the loss stays on the device).</summary>
    public void Step(Batch batch)
    {
        var plan = _model.Plan(batch.Rows, training: true);
        Step(plan, batch);
    }

    void Step(Plan<T> plan, Batch batch)
    {
        plan.Step = (ulong)Steps;
        _model.Feed(plan, batch);
        plan.Forward();
        plan.Backward();
        _optimizer.Step(_model.Parameters);
        Steps++;
    }

    Batch Gather(Dataset data, int[] indices)
    {
        int size = indices.Length * data.Features;
        if (_images.Length != size) _images = new float[size];
        if (_labels.Length != indices.Length) _labels = new byte[indices.Length];
        data.Gather(indices, _images);
        data.GatherLabels(indices, _labels);
        return new Batch(_images, _labels, indices.Length);
    }

    /// <summary>
    /// The objective and every term per image over the whole dataset: full batches through one
    /// plan, the remainder through a plan of its own size, weighted by rows.
    /// </summary>
    public static Evaluation Evaluate(Model<T> model, Dataset data, int batch, ulong step = 0)
    {
        if (data.Features != model.Features)
            throw new IlgpuAeException($"the data has {data.Features} features per image, the model expects {model.Features}");
        if (data.Count == 0) throw new IlgpuAeException("cannot evaluate on an empty dataset");
        int full = data.Count / batch, rest = data.Count % batch;
        var names = new List<string>();
        var weights = new List<double>();
        var totals = new Dictionary<string, double>();
        void Run(int rows, int start, int count)
        {
            var plan = model.Plan(rows, training: false);
            plan.ResetTermSums();
            for (int b = 0; b < count; b++)
            {
                int first = start + b * rows;
                var images = new float[rows * data.Features];
                Array.Copy(data.Images, (long)first * data.Features, images, 0, images.Length);
                var labels = data.Labels.AsSpan(first, rows).ToArray();
                plan.Step = step;
                model.Feed(plan, new Batch(images, labels, rows));
                plan.Forward();
            }
            var sums = plan.TermSums();
            for (int i = 0; i < sums.Length; i++)
            {
                string name = plan.TermNames[i];
                if (!totals.ContainsKey(name)) { names.Add(name); weights.Add(plan.TermWeights[i]); totals[name] = 0; }
                totals[name] += sums[i] * rows;
            }
        }
        if (full > 0) Run(batch, 0, full);
        if (rest > 0) Run(rest, full * batch, 1);
        var terms = names.ToDictionary(n => n, n => totals[n] / data.Count);
        double loss = names.Select((n, i) => weights[i] * terms[n]).Sum();
        return new Evaluation(loss, terms, data.Count);
    }

    static Dictionary<string, double> Named(Plan<T> plan, double[] values) =>
        plan.TermNames.Select((n, i) => (n, values[i])).ToDictionary(p => p.n, p => p.Item2);

    static double Objective(Plan<T> plan, IReadOnlyDictionary<string, double> terms) =>
        plan.TermNames.Select((n, i) => plan.TermWeights[i] * terms[n]).Sum();
}
