using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using IlgpuAe.Data;
using IlgpuAe.Distributed;
using ILGPU.Runtime;
using IlgpuAe.Compute;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;
using IlgpuAe.Models;
using IlgpuAe.Optim;

namespace IlgpuAe.Training;

/// <summary>
/// Runs epochs of forward, backward and optimizer step over a shuffled dataset, and evaluates.
/// Knows models only through <see cref="Model{T}"/>: plans, inputs, named terms. The position of
/// a run is a <see cref="TrainerState"/>, so that a run can stop anywhere and resume exactly.
/// </summary>
public sealed class Trainer<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly Model<T> _model;
    readonly Optimizer _optimizer;
    // With several objectives (Model.Objectives): each one's optimizer in step order, and its own rate before any schedule.
    readonly (string Objective, Optimizer Optimizer, double BaseRate)[] _objectives = [];
    readonly TrainerOptions _options;
    readonly double _baseLearningRate;
    GradientNorm<T>? _norm;
    PageLockedArray1D<long>? _gateHost;
    // The step, epoch and batch the device guard records, in device memory: its launch is the same at every step.
    DeviceScalars<long>? _position;
    IReadOnlyList<string> _guardNames = [];
    readonly int _guardEvery;
    // The position of the run in fields, so that a step allocates nothing (State builds the record when asked).
    int _epoch = 1, _batch;
    long _steps;
    double[] _termSums = [];
    float[] _images = [];
    byte[] _labels = [];
    Batch? _gathered;
    // Data parallel: the ranks' agreement, after each step, that one of them was asked to stop.
    bool _stopAgreed;
    // --cuda-graph: the replay of the full-batch plan's captured step, the uncaptured steps before it, and whether to stop trying.
    IReplay? _replay;
    Plan<T>? _replayPlan;
    int _warmSteps;
    bool _captureOff;
    // A captured step reads the guard after its replay, once the step is counted (the optimizer is inside the graph).
    bool _gateDue;

    /// <summary>A trainer of <paramref name="model"/> in batches of <paramref name="batch"/> rows, the data order drawn from <paramref name="seed"/>; <see cref="IlgpuAeException"/> for a bad batch size or options.</summary>
    public Trainer(Model<T> model, Optimizer optimizer, int batch, ulong seed, TrainerOptions? options = null)
        : this(model, optimizer, null, batch, seed, options)
    {
    }

    /// <summary>
    /// A trainer of a model with several objectives (<see cref="Model{T}.Objectives"/>): <paramref name="optimizers"/> holds one
    /// optimizer per objective, by name, each a separate instance. A training step runs, objective after objective in the
    /// model's order, its forward ops, its backward pass and its optimizer over its parameter group. Data-parallel training and
    /// gradient clipping are refused for such a model; the divergence guard is read after every objective's backward pass.
    /// </summary>
    public Trainer(Model<T> model, IReadOnlyDictionary<string, Optimizer> optimizers, int batch, ulong seed, TrainerOptions? options = null)
        : this(model, FirstOptimizer(model, optimizers), optimizers, batch, seed, options)
    {
    }

    static Optimizer FirstOptimizer(Model<T> model, IReadOnlyDictionary<string, Optimizer> optimizers)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizers);
        if (model.Objectives.Count == 0)
            throw new IlgpuAeException($"this {model.Kind} has one objective over every parameter: train it with one optimizer");
        var names = model.Objectives;
        var missing = names.Where(n => !optimizers.ContainsKey(n)).ToList();
        var extra = optimizers.Keys.Where(n => !names.Contains(n)).ToList();
        if (missing.Count > 0 || extra.Count > 0)
            throw new IlgpuAeException($"the {model.Kind} has the objectives {string.Join(", ", names)}; the optimizers given are for {string.Join(", ", optimizers.Keys)}");
        if (optimizers.Values.Distinct().Count() != optimizers.Count)
            throw new IlgpuAeException("each objective needs an optimizer instance of its own (an optimizer's state has its group's layout)");
        return optimizers[names[0]];
    }

    Trainer(Model<T> model, Optimizer optimizer, IReadOnlyDictionary<string, Optimizer>? optimizers, int batch, ulong seed, TrainerOptions? options)
    {
        if (batch <= 0) throw new IlgpuAeException($"batch size must be positive, got {batch}");
        _options = options ?? new TrainerOptions();
        if (optimizers is null && model.Objectives.Count > 0)
            throw new IlgpuAeException($"the {model.Kind} has {model.Objectives.Count} objectives ({string.Join(", ", model.Objectives)}), each stepped by an optimizer of its own: " +
                "pass one optimizer per objective (new Trainer<T>(model, optimizers: name → optimizer, ...))");
        if (optimizers is not null)
        {
            if (_options.Parallel is not null)
                throw new IlgpuAeException($"data-parallel training of a model with several objectives ({model.Kind}) is not supported");
            if (_options.ClipGrad is not null)
                throw new IlgpuAeException($"gradient clipping of a model with several objectives ({model.Kind}) is not supported: each objective has its own gradient");
            _objectives = model.Objectives.Select(n => (n, optimizers[n], optimizers[n].LearningRate)).ToArray();
        }
        if (_options.ClipGrad is { } c && !(c > 0 && double.IsFinite(c)))
            throw new IlgpuAeException($"gradient clipping needs a positive finite norm, got {c}");
        if (_options.GuardEvery < 0)
            throw new IlgpuAeException($"the guard interval must be zero (the backend's default) or positive, got {_options.GuardEvery}");
        if (_options.CheckpointEvery < 0)
            throw new IlgpuAeException($"the checkpoint interval must be zero or positive, got {_options.CheckpointEvery}");
        if (_options.Parallel is { } parallel)
        {
            if (batch < parallel.Ranks)
                throw new IlgpuAeException($"a batch of {batch} rows cannot be split over {parallel.Ranks} ranks: use a batch of at least {parallel.Ranks}");
            if (model.NotRowSeparable is { } why)
                throw new IlgpuAeException($"data-parallel training of this {model.Kind} would change its objective: {why}");
        }
        MemoryBudget.RequireTraining(model, optimizer, batch);
        _model = model;
        _optimizer = optimizer;
        _baseLearningRate = optimizer.LearningRate;
        var path = _options.Path == StepPath.Auto ? (model.Device.IsCpu ? StepPath.Host : StepPath.Device) : _options.Path;
        // An optimizer that ignores the gate must never see a diverged step: then the flag is read before every step.
        // Several objectives: read after every objective's backward pass, so that a divergence stops before that objective's optimizer.
        _guardEvery = !optimizer.ReadsGate || _objectives.Length > 0 ? 1 : _options.GuardEvery > 0 ? _options.GuardEvery : path == StepPath.Host ? 1 : DeviceGuardEvery;
        BatchSize = batch;
        Seed = seed;
    }

    /// <summary>Rows per training step.</summary>
    public int BatchSize { get; }
    /// <summary>Seed of the per-epoch data order.</summary>
    public ulong Seed { get; }

    /// <summary>Full-batch steps run uncaptured before <see cref="TrainerOptions.CudaGraph"/> captures one (kernels loaded, buffers made).</summary>
    public const int CaptureWarmUp = 2;

    /// <summary>Whether full-batch steps are now replays of a captured graph (<see cref="TrainerOptions.CudaGraph"/>).</summary>
    public bool StepCaptured => _replay is not null;

    /// <summary>Why <see cref="TrainerOptions.CudaGraph"/> runs uncaptured (null while it has not given up).</summary>
    public string? CaptureFallback { get; private set; }

    /// <summary>The device guard's read interval on the <see cref="StepPath.Device"/> path when <see cref="TrainerOptions.GuardEvery"/> is 0.</summary>
    public const int DeviceGuardEvery = 100;

    /// <summary>Steps between two reads of the device guard's flag (<see cref="TrainerOptions.GuardEvery"/> resolved for this backend).</summary>
    public int GuardEvery => _guardEvery;

    /// <summary>The next batch to train; set it (with restored parameters and optimizer) to resume.</summary>
    public TrainerState State
    {
        get => new(_epoch, _batch, _steps, _termSums);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            (_epoch, _batch, _steps, _termSums) = (value.Epoch, value.Batch, value.Steps, value.TermSums);
        }
    }

    /// <summary>Optimizer steps taken; random ops draw from (seed, step) so runs repeat exactly.</summary>
    public long Steps => _steps;

    /// <summary>Whether the last <see cref="Run"/> stopped early because it was cancelled.</summary>
    public bool Interrupted { get; private set; }

    /// <summary>
    /// Trains until epoch <paramref name="epochs"/> is done (epochs count from 1, so a fresh run
    /// trains that many), starting from <see cref="State"/>;
    /// evaluates on <paramref name="test"/> after each epoch. Cancellation finishes the current step,
    /// calls <paramref name="onCheckpoint"/> and returns with <see cref="Interrupted"/> set.
    /// </summary>
    public IReadOnlyList<EpochReport> Run(Dataset train, Dataset test, int epochs,
        Action<EpochReport>? onEpoch = null, Action<int, int>? onBatch = null,
        Action<TrainerState>? onCheckpoint = null, CancellationToken cancel = default)
    {
        if (epochs < 0) throw new IlgpuAeException($"epochs must be zero or positive, got {epochs}");
        if (train.Features != _model.Features)
            throw new IlgpuAeException($"the data has {train.Features} features per image, the model expects {_model.Features}");
        if (train.Count < BatchSize)
            throw new IlgpuAeException($"the training set has {train.Count} images, fewer than one batch of {BatchSize}");
        Interrupted = false;
        var parallel = _options.Parallel;
        bool root = parallel is null || parallel.Rank == 0;
        // A fresh model at the start of a run; a loaded (uploaded) one keeps its values, so fine-tuning starts where it left off.
        if (_steps == 0 && _batch == 0 && _epoch == 1 && !_model.Parameters.Uploaded) _model.InitialiseFromData(train);
        var batcher = new Batcher(train.Count, BatchSize, Seed, dropLast: !_options.KeepLastBatch);
        var plan = _model.Plan(parallel is null ? BatchSize : Shares.Of(BatchSize, parallel.Rank, parallel.Ranks).Count, training: true);
        CheckObjectives(plan);
        var reports = new List<EpochReport>();
        while (_epoch <= epochs)
        {
            int epoch = _epoch, total = batcher.BatchesPerEpoch;
            if (_termSums.Length > 0) plan.SetTermSums(parallel is null ? _termSums : RankSums(parallel, plan, _termSums));
            else plan.ResetTermSums();
            var clock = Stopwatch.StartNew();
            int first = _batch, done = first;
            double[]? shortTerms = null;
            foreach (var slice in batcher.Slices(epoch, first))
            {
                var indices = slice.Span;
                if (parallel is not null) shortTerms = StepShare(parallel, plan, train, indices, epoch, done, cancel.IsCancellationRequested) ?? shortTerms;
                else if (indices.Length == BatchSize) Step(plan, Gather(train, indices), epoch, done);
                else
                {
                    // The short last batch (KeepLastBatch): a plan of its own size; its terms join the epoch's sums below.
                    var shortPlan = _model.Plan(indices.Length, training: true);
                    Step(shortPlan, Gather(train, indices), epoch, done);
                    shortTerms = shortPlan.LastTerms();
                }
                done++;
                (_batch, _steps, _termSums) = (done, _steps + 1, []);
                ReadDueGate(plan);
                if (parallel is not null && _options.VerifyReplicas) Replicas.Verify(parallel, _model.Parameters, $"after step {_steps}");
                if (root) onBatch?.Invoke(done, total);
                bool due = _options.CheckpointEvery > 0 && _steps % _options.CheckpointEvery == 0;
                bool stop = parallel is null ? cancel.IsCancellationRequested : _stopAgreed;
                if (stop || (due && done < total))
                {
                    CheckGate(plan); // a checkpoint holds no step that diverged
                    var running = parallel is null ? plan.TermSums() : AllRankSums(parallel, plan);
                    if (root) onCheckpoint?.Invoke(State with { TermSums = running });
                    if (stop)
                    {
                        Interrupted = true;
                        return reports;
                    }
                }
            }
            CheckGate(plan);
            double[] sums = plan.TermSums(); // synchronises: the clock includes all device work
            if (parallel is not null) sums = WholeBatchSums(parallel, sums, shortTerms);
            else if (shortTerms is not null)
                for (int i = 0; i < sums.Length; i++) sums[i] += shortTerms[i];
            double seconds = clock.Elapsed.TotalSeconds;
            if (parallel is not null) Replicas.Verify(parallel, _model.Parameters, $"at the end of epoch {epoch}");
            var trainTerms = Named(plan, sums.Select(s => s / total).ToArray());
            var eval = Evaluate(_model, test, BatchSize);
            var report = new EpochReport(epoch, Objective(plan, trainTerms), eval.Loss, eval.Terms, trainTerms,
                seconds, (done - first) * BatchSize / Math.Max(seconds, 1e-9), _steps);
            reports.Add(report);
            (_epoch, _batch, _termSums) = (epoch + 1, 0, []);
            if (root)
            {
                onEpoch?.Invoke(report);
                onCheckpoint?.Invoke(State);
            }
            if (AnyRank(parallel, cancel.IsCancellationRequested) && _epoch <= epochs)
            {
                Interrupted = true;
                return reports;
            }
        }
        return reports;
    }

    /// <summary>One optimizer step on one batch (outside <see cref="Run"/>: benchmarks, custom loops).</summary>
    public void Step(Batch batch)
    {
        var plan = _model.Plan(batch.Rows, training: true);
        Step(plan, batch, _epoch, _batch);
        _steps++;
        ReadDueGate(plan);
    }

    /// <summary>
    /// Reads the device guard now (outside <see cref="Run"/>, which reads it every <see cref="GuardEvery"/> steps, before
    /// each checkpoint and at each epoch's end): <see cref="DivergenceException"/> for the first step since the last read whose
    /// terms or gradients were not finite; the parameters and the trainer are then as they were before that step.
    /// </summary>
    public void CheckDivergence() => CheckGate(null);

    /// <summary>The optimizer of each objective, by name (empty for a model with one objective, trained by the one optimizer given).</summary>
    public IReadOnlyDictionary<string, Optimizer> Optimizers => _objectives.ToDictionary(o => o.Objective, o => o.Optimizer);

    /// <summary>The objectives of <paramref name="plan"/> are the model's, the ones this trainer has optimizers for.</summary>
    void CheckObjectives(Plan<T> plan)
    {
        var declared = plan.ObjectiveNames;
        if (!declared.SequenceEqual(_objectives.Select(o => o.Objective)))
            throw new IlgpuAeException($"the {_model.Kind}'s training graph declares the objectives [{string.Join(", ", declared)}], " +
                $"but the model says [{string.Join(", ", _model.Objectives)}] (Model.Objectives must name the graph's objectives in step order)");
    }

    /// <summary>One step of a model with several objectives: for each in order, its forward ops, backward pass, guard and optimizer.</summary>
    void StepObjectives(Plan<T> plan, Batch batch, int epoch, int index)
    {
        var profile = plan.Profile;
        var d = _model.Device;
        if (profile is null) _model.Feed(plan, batch);
        else profile.Measure(d, "feed", "upload batch", () => _model.Feed(plan, batch));
        for (int k = 0; k < _objectives.Length; k++)
        {
            var (name, optimizer, baseRate) = _objectives[k];
            if (_options.LearningRate is { } schedule) optimizer.LearningRate = baseRate * ScheduleFactor(schedule, _steps);
            plan.Forward(name);
            plan.Backward(name);
            if (profile is null) GuardObjective(plan, k, epoch, index);
            else profile.Measure(d, "guard", $"finite check, {name}", () => GuardObjective(plan, k, epoch, index));
            var group = plan.GroupOf(name);
            if (profile is null) optimizer.Step(group);
            else profile.Measure(d, "optimizer", $"{optimizer.Name}, {name}", () => optimizer.Step(group));
        }
        profile?.CountStep();
    }

    /// <summary>The device guard over objective <paramref name="k"/>'s terms and the gradient buffer, read at once.</summary>
    void GuardObjective(Plan<T> plan, int k, int epoch, int index)
    {
        if (!_options.Guard) return;
        _norm ??= new GradientNorm<T>(_model.Parameters);
        _norm.Compute();
        var (start, count) = plan.TermRange(_objectives[k].Objective);
        _guardNames = plan.TermNames;
        StagePosition(epoch, index);
        OptimizerLaunch.CheckFinite(_model.Device, plan.LastTermsView.SubView(start, count), count, _norm.Squared, _model.Parameters.Gate, _position!.View);
        CheckGate(plan, start, count, k);
    }

    void Step(Plan<T> plan, Batch batch, int epoch, int index, IDataParallel? parallel = null, bool cancelled = false)
    {
        plan.Step = (ulong)_steps;
        plan.ScheduleStep = _steps;
        if (_objectives.Length > 0)
        {
            if (_options.CudaGraph && !_captureOff)
                GiveUpCapture($"a model with several objectives ({_model.Kind}) steps one optimizer per objective in turn, which is not captured");
            StepObjectives(plan, batch, epoch, index);
            _model.TrainingStep = _steps + 1;
            return;
        }
        if (_options.LearningRate is { } schedule) _optimizer.LearningRate = ScheduledRate(schedule, _steps);
        if (Replays(plan, parallel))
            StepReplayed(plan, batch, epoch, index);
        else if (plan.Profile is { } profile)
            StepProfiled(profile, plan, batch, epoch, index, parallel, cancelled);
        else
        {
            _model.Feed(plan, batch);
            plan.Forward();
            plan.Backward();
            parallel?.SumGradients(_model.Parameters);
            Guard(plan, epoch, index, parallel, cancelled);
            _optimizer.Step(_model.Parameters);
        }
        _model.TrainingStep = _steps + 1;
    }

    /// <summary>Whether this step goes through the captured graph: --cuda-graph, the full-batch plan, after the warm-up, unless given up.</summary>
    bool Replays(Plan<T> plan, IDataParallel? parallel)
    {
        if (!_options.CudaGraph || _captureOff || plan.Batch != BatchSize || plan.Profile is not null) return false;
        if (_replay is not null) return ReferenceEquals(plan, _replayPlan);
        if (CaptureRefusal(parallel) is { } why)
        {
            GiveUpCapture(why);
            return false;
        }
        return ++_warmSteps > CaptureWarmUp;
    }

    string? CaptureRefusal(IDataParallel? parallel)
    {
        var d = _model.Device;
        if (_options.StepCapture is null && d.Backend != Backend.Cuda)
            return $"CUDA graphs need the CUDA backend, and this device is {d.Name} ({Device.BackendName(d.Backend)})";
        if (parallel is not null) return "a data-parallel step sums its gradients over the ranks between backward and the optimizer";
        if (!_optimizer.CaptureReady) return $"optimizer {_optimizer.Name} does not keep its per-step values in device memory (CaptureReady is false)";
        return null;
    }

    void GiveUpCapture(string why)
    {
        _captureOff = true;
        CaptureFallback = why;
        _options.OnWarning?.Invoke($"warning: --cuda-graph: the training step runs uncaptured: {why}");
    }

    /// <summary>
    /// A step through the captured graph: the host half (the batch's upload, this step's values into device memory, the
    /// optimizer's count), then one replay of every launch of the step. The first such step captures the graph; a capture
    /// that fails runs this step's launches uncaptured and gives up, with one warning.
    /// </summary>
    void StepReplayed(Plan<T> plan, Batch batch, int epoch, int index)
    {
        _model.Feed(plan, batch);
        plan.StageScalars();
        if (_options.Guard) StagePosition(epoch, index);
        _optimizer.PrepareStep(_model.Parameters);
        _gateDue = _options.Guard && (_steps + 1) % _guardEvery == 0;
        if (_replay is null)
        {
            // A fused loss takes its seed as a kernel argument: a scheduled one would be replayed with this step's weight.
            if (plan.FusedSeedsVary) plan.FuseLossGradients = false;
            try
            {
                _replay = (_options.StepCapture ?? new CudaGraphCapture()).Capture(_model.Device, () => LaunchStep(plan));
                _replayPlan = plan;
            }
            catch (IlgpuAeException e)
            {
                GiveUpCapture($"the capture failed: {e.Message}");
                LaunchStep(plan);
                return;
            }
        }
        _replay.Launch();
    }

    /// <summary>Every launch of a step after its uploads (what the graph holds): forward, backward, the guard's kernels, the optimizer's.</summary>
    void LaunchStep(Plan<T> plan)
    {
        plan.Forward();
        plan.Backward();
        if (_options.Guard || _options.ClipGrad is not null)
        {
            _norm ??= new GradientNorm<T>(_model.Parameters);
            _norm.Compute();
        }
        if (_options.Guard)
        {
            _guardNames = plan.TermNames;
            OptimizerLaunch.CheckFinite(_model.Device, plan.LastTermsView, plan.TermCount, _norm!.Squared, _model.Parameters.Gate, _position!.View);
        }
        if (_options.ClipGrad is { } clip) _norm!.Clip(clip);
        _optimizer.LaunchStep(_model.Parameters);
    }

    /// <summary>After a replayed step is counted: the guard's read when its interval is due.</summary>
    void ReadDueGate(Plan<T> plan)
    {
        if (!_gateDue) return;
        _gateDue = false;
        CheckGate(plan);
    }

    /// <summary>The optimizer's own rate times the schedule's factor at <paramref name="step"/>; a factor that is negative or not finite stops the run.</summary>
    double ScheduledRate(Schedule schedule, long step) => _baseLearningRate * ScheduleFactor(schedule, step);

    static double ScheduleFactor(Schedule schedule, long step)
    {
        double factor = schedule.At(step);
        if (!(double.IsFinite(factor) && factor >= 0))
            throw new IlgpuAeException($"the learning-rate schedule {schedule} gives {factor} at step {step}; a factor must be finite and at least 0");
        return factor;
    }

    /// <summary>
    /// One data-parallel step: this rank's share of the batch's rows, at its row offset (so random draws are those of the
    /// whole batch) and with its gradient scaled by its share of the rows, then the sum over the ranks. A rank whose share of
    /// a short last batch is empty contributes a zero gradient. Returns the short batch's terms, weighted by its share.
    /// </summary>
    double[]? StepShare(IDataParallel parallel, Plan<T> plan, Dataset train, ReadOnlySpan<int> indices, int epoch, int index, bool cancelled)
    {
        var (at, rows) = Shares.Of(indices.Length, parallel.Rank, parallel.Ranks);
        bool full = indices.Length == BatchSize;
        if (rows == 0)
        {
            _model.Parameters.Grads.MemSetToZero();
            parallel.SumGradients(_model.Parameters);
            Guard(null, epoch, index, parallel, cancelled);
            // The same rate as the ranks that had rows: the schedule is a function of the step alone.
            if (_options.LearningRate is { } schedule) _optimizer.LearningRate = ScheduledRate(schedule, _steps);
            _optimizer.Step(_model.Parameters);
            _model.TrainingStep = _steps + 1;
            return new double[plan.TermNames.Count];
        }
        // The short last batch (KeepLastBatch): a plan of this rank's share of it.
        var stepPlan = full ? plan : _model.Plan(rows, training: true);
        stepPlan.RowOffset = (ulong)at;
        stepPlan.GradientScale = rows / (double)indices.Length;
        Step(stepPlan, Gather(train, indices[at..(at + rows)]), epoch, index, parallel, cancelled);
        return full ? null : stepPlan.LastTerms().Select(v => v * stepPlan.GradientScale).ToArray();
    }

    /// <summary>The epoch's term sums of the whole batches: each rank's sums weighted by its share of a batch, plus the short batch's, summed over the ranks.</summary>
    double[] WholeBatchSums(IDataParallel parallel, double[] sums, double[]? shortTerms)
    {
        double share = Shares.Of(BatchSize, parallel.Rank, parallel.Ranks).Count / (double)BatchSize;
        var weighted = sums.Select((s, i) => s * share + (shortTerms?[i] ?? 0)).ToArray();
        parallel.Sum(weighted);
        return weighted;
    }

    /// <summary>Every rank's running term sums, rank after rank (a checkpoint resumes each rank's own sums exactly).</summary>
    static double[] AllRankSums(IDataParallel parallel, Plan<T> plan)
    {
        var mine = plan.TermSums();
        var all = new double[mine.Length * parallel.Ranks];
        mine.CopyTo(all, mine.Length * parallel.Rank);
        parallel.Sum(all);
        return all;
    }

    /// <summary>This rank's running sums out of <see cref="AllRankSums"/>; <see cref="IlgpuAeException"/> when they were written by another number of ranks.</summary>
    static double[] RankSums(IDataParallel parallel, Plan<T> plan, double[] all)
    {
        int terms = plan.TermNames.Count;
        if (all.Length != terms * parallel.Ranks)
            throw new IlgpuAeException($"the resumed epoch sums hold {all.Length} values, not {terms} terms for each of {parallel.Ranks} ranks: " +
                "a run resumes with the number of ranks that wrote its checkpoint");
        return all.AsSpan(terms * parallel.Rank, terms).ToArray();
    }

    /// <summary>Whether any rank has <paramref name="flag"/> set (each rank's own flag when alone).</summary>
    static bool AnyRank(IDataParallel? parallel, bool flag)
    {
        if (parallel is null) return flag;
        Span<double> f = [flag ? 1 : 0];
        parallel.Sum(f);
        return f[0] > 0;
    }

    void Guard(Plan<T>? plan, int epoch, int index, IDataParallel? parallel = null, bool cancelled = false)
    {
        if (_options.Guard || _options.ClipGrad is not null)
        {
            _norm ??= new GradientNorm<T>(_model.Parameters);
            _norm.Compute();
        }
        if (parallel is not null)
        {
            // Data parallel: the ranks agree on the terms every step anyway, so the host checks them there.
            AgreeOnTerms(plan, epoch, index, parallel, cancelled);
            if (_options.Guard) CheckFinite(plan, epoch, index);
        }
        else if (_options.Guard)
        {
            _guardNames = plan!.TermNames;
            StagePosition(epoch, index);
            OptimizerLaunch.CheckFinite(_model.Device, plan.LastTermsView, plan.TermCount, _norm!.Squared, _model.Parameters.Gate, _position!.View);
            // Read before the optimizer: with an interval of 1 a diverged step never reaches it, as without the gate.
            if ((_steps + 1) % _guardEvery == 0) CheckGate(plan);
        }
        if (_options.ClipGrad is { } clip) _norm!.Clip(clip);
    }

    /// <summary>Uploads the step, epoch and batch the device guard records should this step diverge.</summary>
    void StagePosition(int epoch, int index)
    {
        _position ??= new DeviceScalars<long>(_model.Device, GateRecord.PositionLength);
        var p = _position.Values;
        (p[0], p[1], p[2]) = (_steps, epoch, index);
        _position.Upload();
    }

    /// <summary>
    /// Reads the gate the device guard shuts (one small read); when it is shut, puts the run back to the step it names
    /// (the optimizer launches after it did nothing), opens it and throws that step's <see cref="DivergenceException"/>.
    /// </summary>
    void CheckGate(Plan<T>? plan, int termStart = 0, int termCount = -1, int objective = -1)
    {
        if (!_options.Guard || _options.Parallel is not null || !_model.Parameters.IsMaterialized) return;
        var d = _model.Device;
        _gateHost ??= d.AllocateHost<long>(GateRecord.Length);
        d.Read(_model.Parameters.Gate, _gateHost);
        if (_gateHost[0] == 0) return;
        long step = _gateHost[1];
        int culprit = (int)_gateHost[2], epoch = (int)_gateHost[4], index = (int)_gateHost[5];
        string kind = _gateHost[3] switch { GateRecord.NaN => "NaN", GateRecord.PositiveInfinity => "Infinity", _ => "-Infinity" };
        var names = plan?.TermNames ?? _guardNames;
        if (termCount < 0) termCount = names.Count;
        if (_objectives.Length == 0) _optimizer.Uncount(_steps - step);
        else foreach (var o in _objectives) o.Optimizer.Uncount(_steps - step);
        (_epoch, _batch, _steps, _termSums) = (epoch, index, step, []);
        _model.TrainingStep = step;
        _model.Parameters.OpenGate();
        string? tail = objective < 0 ? null : ObjectiveTail(objective);
        if (culprit < termCount)
            throw Diverged(names[termStart + culprit], $"loss term '{names[termStart + culprit]}' is {kind}", epoch, index, tail);
        throw Diverged("gradient", "the gradient holds a NaN or infinite value", epoch, index, tail);
    }

    /// <summary>What a divergence in objective <paramref name="k"/> left: the objectives before it in the step had already stepped.</summary>
    string ObjectiveTail(int k)
    {
        string name = _objectives[k].Objective;
        return k == 0
            ? $" (objective '{name}'); the parameters were not updated by this step"
            : $" (objective '{name}'); the objectives before it in this step ({string.Join(", ", _objectives.Take(k).Select(o => o.Objective))}) had updated their parameter groups, '{name}' and those after it had not";
    }

    /// <summary>
    /// One small sum over the ranks per step: which loss terms were not finite on some rank, and whether some rank was asked to
    /// stop. Every rank then stops (or throws) in the same step, so that none waits in a collective the others left.
    /// </summary>
    void AgreeOnTerms(Plan<T>? plan, int epoch, int index, IDataParallel parallel, bool cancelled)
    {
        var names = _model.Plan(Shares.Of(BatchSize, parallel.Rank, parallel.Ranks).Count, training: true).TermNames;
        var flags = new double[names.Count + 1];
        if (plan is not null && _options.Guard)
        {
            var terms = plan.LastTerms();
            for (int i = 0; i < terms.Length; i++) flags[i] = double.IsFinite(terms[i]) ? 0 : 1;
        }
        flags[^1] = cancelled ? 1 : 0;
        parallel.Sum(flags);
        _stopAgreed = flags[^1] > 0;
        for (int i = 0; i < names.Count; i++)
            if (flags[i] > 0)
                throw Diverged(names[i], $"loss term '{names[i]}' is not finite on {flags[i]} of the {parallel.Ranks} ranks", epoch, index);
    }

    /// <summary>The same step with every phase timed (the plan times its own ops); see <see cref="StepProfile"/>.</summary>
    void StepProfiled(StepProfile profile, Plan<T> plan, Batch batch, int epoch, int index, IDataParallel? parallel, bool cancelled)
    {
        var d = _model.Device;
        profile.Measure(d, "feed", "upload batch", () => _model.Feed(plan, batch));
        plan.Forward();
        plan.Backward();
        if (parallel is not null) profile.Measure(d, "all-reduce", "sum of the gradients over the ranks", () => parallel.SumGradients(_model.Parameters));
        profile.Measure(d, "guard", "norm, finite check, clip", () => Guard(plan, epoch, index, parallel, cancelled));
        profile.Measure(d, "optimizer", _optimizer.Name, () => _optimizer.Step(_model.Parameters));
        profile.CountStep();
    }

    /// <summary>Stops before the optimizer step, so the parameters stay those of the last good step.</summary>
    void CheckFinite(Plan<T>? plan, int epoch, int index)
    {
        var terms = plan?.LastTerms() ?? [];
        for (int i = 0; i < terms.Length; i++)
            if (!double.IsFinite(terms[i]))
                throw Diverged(plan!.TermNames[i], $"loss term '{plan.TermNames[i]}' is {Describe(terms[i])}", epoch, index);
        double g = _norm!.ReadSquared();
        if (!double.IsFinite(g))
            throw Diverged("gradient", "the gradient holds a NaN or infinite value", epoch, index);
    }

    DivergenceException Diverged(string culprit, string what, int epoch, int index, string? tail = null) =>
        new($"training diverged at step {_steps} (epoch {epoch}, batch {index + 1}): {what}{tail ?? "; the parameters were not updated by this step"}", _steps, culprit);

    static string Describe(double v) => double.IsNaN(v) ? "NaN" : v.ToString(CultureInfo.InvariantCulture);

    Batch Gather(Dataset data, ReadOnlySpan<int> indices)
    {
        int size = indices.Length * data.Features;
        if (_images.Length != size) _images = new float[size];
        if (_labels.Length != indices.Length) _labels = new byte[indices.Length];
        data.Gather(indices, _images);
        data.GatherLabels(indices, _labels);
        // One Batch per pair of buffers: a step of the run allocates nothing.
        if (_gathered is null || !ReferenceEquals(_gathered.Images, _images) || !ReferenceEquals(_gathered.Labels, _labels)) _gathered = new Batch(_images, _labels, indices.Length);
        return _gathered;
    }

    /// <summary>
    /// The objective and every term per image over the whole dataset: full batches through one
    /// plan, the remainder through a plan of its own size, weighted by rows. <paramref name="step"/> drives the random
    /// draws; scheduled term weights are taken at the model's <see cref="Model{T}.TrainingStep"/>.
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
            var images = new float[rows * data.Features];
            var labels = new byte[rows];
            for (int b = 0; b < count; b++)
            {
                int first = start + b * rows;
                Array.Copy(data.Images, (long)first * data.Features, images, 0, images.Length);
                Array.Copy(data.Labels, first, labels, 0, rows);
                plan.Step = step;
                plan.ScheduleStep = model.TrainingStep;
                model.Feed(plan, new Batch(images, labels, rows));
                plan.Forward();
            }
            var sums = plan.TermSums();
            for (int i = 0; i < sums.Length; i++)
            {
                string name = plan.TermNames[i];
                if (!totals.ContainsKey(name)) { names.Add(name); weights.Add(plan.LossWeights[i]); totals[name] = 0; }
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
        plan.TermNames.Select((n, i) => plan.LossWeights[i] * terms[n]).Sum();

    /// <summary>Frees the gradient-norm buffers; the model and optimizer belong to the caller.</summary>
    public void Dispose()
    {
        _replay?.Dispose();
        _replay = null;
        _norm?.Dispose();
        _gateHost?.Dispose();
        _position?.Dispose();
    }
}
