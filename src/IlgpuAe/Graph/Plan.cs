using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using IlgpuAe.Kernels;

namespace IlgpuAe.Graph;

/// <summary>
/// A graph compiled for one batch size: the forward schedule, the reverse-mode backward schedule,
/// and every intermediate buffer placed in one arena by liveness. Running a step allocates nothing.
/// </summary>
public sealed class Plan<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly GraphBuilder<T> _graph;
    readonly Op<T>[] _forward;
    // One entry per objective, in step order; a graph that declares none has one over every term and parameter.
    readonly ObjectivePlan[] _objectives;
    readonly bool _declared;
    ObjectivePlan _current;
    readonly Dictionary<Node<T>, long> _valueAt = [];
    readonly Dictionary<Op<T>, (long At, long Length)> _forwardScratch = [];
    readonly MemoryBuffer1D<T, Stride1D.Dense> _arena;
    readonly MemoryBuffer1D<int, Stride1D.Dense> _termOffsets;
    readonly MemoryBuffer1D<T, Stride1D.Dense> _termSums;
    readonly MemoryBuffer1D<T, Stride1D.Dense> _lastTerms;
    readonly (string Name, Node<T> Node, Schedule Weight)[] _terms;
    readonly Runner _runner;
    readonly Dictionary<Node<T>, T[]> _staging = [];
    readonly Dictionary<Node<T>, StagedUpload<T>> _staged = [];
    readonly PageLockedArray1D<T> _termHost;
    readonly Node<T>[] _inputs;
    readonly HashSet<Node<T>> _fed = [];
    readonly HashSet<Node<T>> _readable;
    // The per-step values the kernels read from device memory (the random ops' step, the terms' gradient seeds), so
    // that every launch of a step has the same arguments at every step: what lets a CUDA graph replay it. The seeds are each
    // objective's (ObjectivePlan.Seeds).
    readonly DeviceScalars<ulong> _stepCell;
    bool _backwardPhase;

    internal Plan(GraphBuilder<T> graph, bool training, bool outputsOnly = false)
    {
        if (training && outputsOnly) throw new InvalidOperationException("a training plan needs its loss terms; only an evaluation plan can be outputs-only");
        _graph = graph;
        Training = training;
        OutputsOnly = outputsOnly;
        graph.Parameters.Materialize();
        var ops = graph.Ops;
        _forward = outputsOnly ? [.. ops.Where(OpsReaching(ops, graph.Outputs.Values.Concat(graph.Kept)).Contains)] : [.. ops];
        _declared = !outputsOnly && graph.Objectives.Count > 0;
        (_terms, _objectives) = outputsOnly ? ([], [new ObjectivePlan("loss", null, 0, 0, _forward)])
            : _declared ? DeclaredObjectives(graph) : (graph.Terms.ToArray(), [new ObjectivePlan("loss", null, 0, graph.Terms.Count, _forward)]);
        _current = _objectives[0];
        if (training && _terms.Length == 0) throw new InvalidOperationException("a training plan needs at least one loss term");
        _inputs = graph.Nodes.Where(n => n.Kind == NodeKind.Input).ToArray();
        _readable = [.. _inputs, .. graph.Constants.Keys, .. graph.Outputs.Values, .. graph.Kept, .. _terms.Select(t => t.Node)];
        if (training)
            foreach (var o in _objectives) PlanBackward(o);
        // Ops from outside the engine run once on padded buffers first, so that a kernel writing past a declared shape is named here.
        var probed = _forward.Where(op => op.GetType().Assembly != typeof(Plan<T>).Assembly).ToList();
        if (probed.Count > 0)
        {
            long pad = Math.Max(1024, graph.Nodes.Max(n => n.Length));
            var first = _objectives[0];
            foreach (var op in probed)
                OpProbe<T>.Check(Device, op, Array.IndexOf(_forward, op), first.Backward.Contains(op), pad, Seed, first.NeedsGrad.Contains, (o, i) => first.Beta[(o, i)]);
        }
        long total = PlaceBuffers();
        _arena = Device.Allocate<T>(Math.Max(1, total));
        // Never empty: ILGPU cannot allocate a zero-length buffer, and a plan may have no loss term (inference tools).
        _termOffsets = Device.Allocate(_terms.Length == 0 ? [0] : _terms.Select(t => (int)_valueAt[t.Node]).ToArray());
        _termSums = Device.Allocate<T>(Math.Max(1, _terms.Length));
        _termSums.MemSetToZero();
        _lastTerms = Device.Allocate<T>(Math.Max(1, _terms.Length));
        _termHost = Device.AllocateHost<T>(Math.Max(1, _terms.Length));
        ArenaLength = total;
        // Constants live for the whole step, like inputs, so nothing else is placed over them: one upload serves every step.
        foreach (var (node, values) in graph.Constants) _arena.View.SubView(_valueAt[node], node.Length).CopyFromCPU(values);
        foreach (var o in _objectives)
        {
            o.Seeded = TermsOf(o).Where(t => o.NeedsGrad.Contains(t.Node)).Select(t => (t.Node, t.Weight)).ToArray();
            o.SeedOffsets = Device.Allocate(o.Seeded.Length == 0 ? [0] : o.Seeded.Select(t => (int)o.GradAt[t.Node]).ToArray());
            o.Seeds = new DeviceScalars<T>(Device, o.Seeded.Length);
        }
        _stepCell = new DeviceScalars<ulong>(Device, 1);
        _runner = new Runner(this);
        OverlappedUploads = Device.Backend == Backend.Cuda;
    }

    /// <summary>The device the plan's buffers live on.</summary>
    public Device Device => _graph.Device;
    /// <summary>Rows of every batch-shaped input; each forward pass needs exactly this many.</summary>
    public int Batch => _graph.Batch;
    /// <summary>Whether the plan has a backward schedule and gradient buffers.</summary>
    public bool Training { get; }
    /// <summary>
    /// Whether the plan runs only the ops that its outputs and kept nodes need, without the loss terms (<see cref="GraphBuilder{T}.CompileOutputs"/>).
    /// </summary>
    public bool OutputsOnly { get; }

    // The ops on some path to one of the nodes: a node's value depends only on its producer's inputs.
    static HashSet<Op<T>> OpsReaching(IReadOnlyList<Op<T>> ops, IEnumerable<Node<T>> nodes)
    {
        var needed = new HashSet<Node<T>>(nodes);
        var used = new HashSet<Op<T>>();
        for (int i = ops.Count - 1; i >= 0; i--)
            if (needed.Contains(ops[i].Output))
            {
                used.Add(ops[i]);
                foreach (var input in ops[i].Inputs) needed.Add(input);
            }
        return used;
    }
    /// <summary>The parameters (values and gradients) the plan reads and writes.</summary>
    public ParameterStore<T> Parameters => _graph.Parameters;

    /// <summary>Elements in the arena holding every intermediate value and gradient.</summary>
    public long ArenaLength { get; }

    /// <summary>Kernel-launching ops in the forward and backward schedules.</summary>
    public int ForwardOps => _forward.Length;
    /// <summary>Kernel-launching ops in the backward schedule (0 for an evaluation plan); with several objectives, in all their schedules together.</summary>
    public int BackwardOps => _objectives.Sum(o => o.Backward.Length);

    /// <summary>The loss terms' names, in term order (the order of every per-term array).</summary>
    public IReadOnlyList<string> TermNames => _termNames ??= _terms.Select(t => t.Name).ToArray();
    string[]? _termNames;

    /// <summary>The weight of each term in the objective at <see cref="ScheduleStep"/>, in term order.</summary>
    public IReadOnlyList<double> TermWeights => _terms.Select(t => t.Weight.At(ScheduleStep)).ToArray();

    /// <summary>The weight schedule of each term (a constant unless the graph gave a <see cref="Schedule"/>), in term order.</summary>
    public IReadOnlyList<Schedule> TermSchedules => _terms.Select(t => t.Weight).ToArray();

    /// <summary>
    /// The step at which scheduled term weights are taken (seeding the backward pass, <see cref="TermWeights"/>, <see cref="Objective()"/>).
    /// The trainer sets it before each step and before evaluating; it is apart from <see cref="Step"/>, which drives the random draws.
    /// </summary>
    public long ScheduleStep { get; set; }

    /// <summary>
    /// The declared objectives in step order, each with its terms made contiguous (the terms are reordered objective by
    /// objective) and its forward ops: those that reach one of its terms, and for the first also those that reach none.
    /// </summary>
    static ((string, Node<T>, Schedule)[] Terms, ObjectivePlan[] Objectives) DeclaredObjectives(GraphBuilder<T> graph)
    {
        var owner = new Dictionary<string, string>();
        foreach (var (name, _, terms) in graph.Objectives)
            foreach (var t in terms)
            {
                if (!graph.Terms.Any(x => x.Name == t)) throw new IlgpuAeException($"objective '{name}' names the loss term '{t}', which the graph does not have");
                if (owner.TryGetValue(t, out var other)) throw new IlgpuAeException($"loss term '{t}' belongs to objective '{other}' and to objective '{name}'");
                owner[t] = name;
            }
        var orphans = graph.Terms.Where(t => !owner.ContainsKey(t.Name)).Select(t => $"'{t.Name}'").ToList();
        if (orphans.Count > 0)
            throw new IlgpuAeException($"the graph declares objectives, so every loss term must belong to one: {string.Join(", ", orphans)} belongs to none");
        var ops = graph.Ops.ToArray();
        var reachedByAny = new HashSet<Op<T>>();
        var ordered = new List<(string, Node<T>, Schedule)>();
        var plans = new List<ObjectivePlan>();
        var reaches = new List<HashSet<Op<T>>>();
        foreach (var (name, group, _) in graph.Objectives)
        {
            var mine = graph.Terms.Where(t => owner[t.Name] == name).ToList();
            var used = OpsReaching(ops, mine.Select(t => t.Node));
            reachedByAny.UnionWith(used);
            reaches.Add(used);
            plans.Add(new ObjectivePlan(name, group, ordered.Count, mine.Count, []));
            ordered.AddRange(mine);
        }
        for (int k = 0; k < plans.Count; k++)
        {
            var used = reaches[k];
            plans[k] = plans[k] with { Forward = ops.Where(op => used.Contains(op) || (k == 0 && !reachedByAny.Contains(op))).ToArray() };
        }
        return (ordered.ToArray(), plans.ToArray());
    }

    /// <summary>
    /// Which nodes get a gradient in objective <paramref name="o"/>: its group's parameters (every parameter without declared
    /// objectives) and everything between them and one of its terms, never through a gradient-stopping op.
    /// </summary>
    void PlanBackward(ObjectivePlan o)
    {
        var requires = new HashSet<Node<T>>(_graph.Nodes.Where(n => n.Kind == NodeKind.Parameter && (o.Group is null || o.Group.Contains(n.Parameter!))));
        foreach (var op in _forward)
            if (!op.StopsGradient && op.Inputs.Any(requires.Contains)) requires.Add(op.Output);
        var reaches = new HashSet<Node<T>>(TermsOf(o).Select(t => t.Node));
        for (int i = _forward.Length - 1; i >= 0; i--)
            if (!_forward[i].StopsGradient && reaches.Contains(_forward[i].Output))
                foreach (var input in _forward[i].Inputs) reaches.Add(input);
        foreach (var n in _graph.Nodes)
            if (requires.Contains(n) && reaches.Contains(n)) o.NeedsGrad.Add(n);

        o.Backward = o.Forward.Where(op => o.NeedsGrad.Contains(op.Output)).Reverse().ToArray();
        var written = new HashSet<Node<T>>(TermsOf(o).Select(t => t.Node)); // seeded with the term weights
        // Parameter gradients are overwritten by their first writer each step, like any other.
        foreach (var op in o.Backward)
            for (int i = 0; i < op.Inputs.Count; i++)
            {
                var input = op.Inputs[i];
                if (!o.NeedsGrad.Contains(input)) continue;
                o.Beta[(op, i)] = written.Add(input) ? T.Zero : T.One;
            }
        foreach (var op in o.Backward)
            if (CanFuseGradient(o, op)) o.GradientInForward.Add(op);
        // A member of the group that none of its terms reaches would keep another objective's gradient: it is zeroed instead.
        if (o.Group is not null)
            o.Unreached = o.Group.Parameters.Where(p => !o.NeedsGrad.Any(n => n.Kind == NodeKind.Parameter && n.Parameter == p)).ToArray();
    }

    ArraySegment<(string Name, Node<T> Node, Schedule Weight)> TermsOf(ObjectivePlan o) => new(_terms, o.TermStart, o.TermCount);

    /// <summary>
    /// Whether <paramref name="op"/>'s gradient in objective <paramref name="o"/> can be written by its forward launch: its output
    /// is one loss term whose gradient is only the seed (no other op reads it), the inputs it offers are exactly those needing a
    /// gradient, each an op's value (not a parameter, whose gradient lives beyond the step) that this op writes first (beta 0).
    /// </summary>
    bool CanFuseGradient(ObjectivePlan o, Op<T> op)
    {
        var offered = op.GradientInForward;
        if (offered.Count == 0) return false;
        int asTerm = 0;
        foreach (var term in _terms) if (term.Node == op.Output) asTerm++;
        if (asTerm != 1) return false;
        foreach (var other in o.Backward)
            if (other != op && other.Inputs.Contains(op.Output)) return false;
        for (int i = 0; i < op.Inputs.Count; i++)
        {
            var input = op.Inputs[i];
            bool needs = o.NeedsGrad.Contains(input);
            if (needs != offered.Contains(i)) return false;
            if (needs && (input.Kind != NodeKind.Value || o.Beta[(op, i)] != T.Zero)) return false;
        }
        return true;
    }

    // The objective whose fusable losses the last forward pass fused (null: none), taken when it starts, so that a switch of
    // FuseLossGradients, or a backward pass of another objective, cannot skip a gradient never written.
    ObjectivePlan? _fusedFor;

    bool Fused(Op<T> op) => _fusedFor == _current && _current.GradientInForward.Contains(op);

    /// <summary>
    /// Whether losses that can write their gradient in the same launch as their value do so (true, the default): their
    /// backward launch and their term's seed launch are then skipped, and the gradients are the same bits. False runs
    /// every op's Backward as before, for comparisons. It takes effect at the next Forward (a Backward follows the Forward it belongs to).
    /// </summary>
    public bool FuseLossGradients { get; set; } = true;

    /// <summary>Ops of this plan whose backward pass is fused into their forward launch while <see cref="FuseLossGradients"/> is on (over every objective).</summary>
    public int FusedGradientOps => _objectives.Sum(o => o.GradientInForward.Count);

    /// <summary>
    /// Whether a fused loss (see <see cref="FuseLossGradients"/>) has a scheduled weight: it takes its seed as a kernel argument,
    /// which then changes every step, so a captured replay of this plan must run unfused (the seeds then come from device
    /// memory; the bits are the same).
    /// </summary>
    public bool FusedSeedsVary
    {
        get
        {
            foreach (var o in _objectives)
                foreach (var (_, node, weight) in TermsOf(o))
                    if (!weight.IsConstant && node.Producer is { } producer && o.GradientInForward.Contains(producer)) return true;
            return false;
        }
    }

    long PlaceBuffers()
    {
        // One timeline: the whole forward schedule, the seeding of the term gradients, then each objective's backward schedule.
        // A value lives until the last backward op of any objective that reads it, so each objective's step finds its values.
        int f = _forward.Length;
        int seedStep = f;
        var fwdStep = new Dictionary<Op<T>, int>();
        for (int i = 0; i < f; i++) fwdStep[_forward[i]] = i;
        var bwdStep = new Dictionary<(ObjectivePlan, Op<T>), int>();
        int next = f + 1;
        foreach (var o in _objectives)
            foreach (var op in o.Backward) bwdStep[(o, op)] = next++;
        int end = next;

        var requests = new List<Arena.Request>();
        var owners = new List<Action<long>>();
        void Want(long length, int first, int last, Action<long> bind)
        {
            requests.Add(new Arena.Request(length, first, last));
            owners.Add(bind);
        }

        var kept = new HashSet<Node<T>>(_terms.Select(t => t.Node).Concat(_graph.Outputs.Values).Concat(_graph.Kept));
        foreach (var node in _graph.Nodes)
        {
            if (node.Kind == NodeKind.Parameter) continue;
            // An outputs-only plan leaves out the ops no output needs, and so their values.
            if (node.Kind == NodeKind.Value && !fwdStep.ContainsKey(node.Producer!)) continue;
            bool whole = node.Kind is NodeKind.Input or NodeKind.Constant || node.Producer!.StopsGradient;
            int first = whole ? 0 : fwdStep[node.Producer!];
            int last = first;
            if (whole || kept.Contains(node)) last = end;
            foreach (var op in _forward)
                if (op.Inputs.Contains(node)) last = Math.Max(last, fwdStep[op]);
            foreach (var o in _objectives)
                foreach (var op in o.Backward)
                    if (op.SavedForBackward.Contains(node)) last = Math.Max(last, bwdStep[(o, op)]);
            Want(node.Length, first, last, at => _valueAt[node] = at);

            foreach (var o in _objectives)
            {
                if (!o.NeedsGrad.Contains(node) || node.Kind != NodeKind.Value) continue;
                int gFirst = kept.Contains(node) && TermsOf(o).Any(t => t.Node == node) ? seedStep : int.MaxValue;
                foreach (var op in o.Backward)
                    if (op.Inputs.Contains(node)) gFirst = Math.Min(gFirst, bwdStep[(o, op)]);
                // A fused loss writes this gradient during the forward pass: the buffer lives from there (fused or not, so the switch is free).
                foreach (var op in o.GradientInForward)
                    if (op.Inputs.Contains(node)) gFirst = Math.Min(gFirst, fwdStep[op]);
                int gLast = bwdStep[(o, node.Producer!)];
                Want(node.Length, Math.Min(gFirst, gLast), gLast, at => o.GradAt[node] = at);
            }
        }
        foreach (var op in _forward)
        {
            long fs = op.ForwardScratch(Device);
            if (fs > 0) Want(fs, fwdStep[op], fwdStep[op], at => _forwardScratch[op] = (at, fs));
        }
        foreach (var o in _objectives)
            foreach (var op in o.Backward)
            {
                long bs = op.BackwardScratch(Device);
                if (bs > 0) Want(bs, bwdStep[(o, op)], bwdStep[(o, op)], at => o.BackwardScratch[op] = (at, bs));
            }
        var (offsets, total) = Arena.Place(requests);
        for (int i = 0; i < offsets.Length; i++) owners[i](offsets[i]);
        return total;
    }

    /// <summary>The input node of the given name.</summary>
    public Node<T> Input(string name)
    {
        // A loop, not a query: models look their inputs up every step.
        foreach (var n in _inputs)
            if (n.Name == name) return n;
        throw new KeyNotFoundException($"the graph has no input named '{name}'");
    }

    /// <summary>
    /// Whether inputs go through page-locked, double-buffered staging and a copy queued without waiting (see
    /// <see cref="StagedUpload{T}"/>; true, the default, on CUDA and the CPU accelerator) rather than ILGPU's synchronous copy
    /// from an ordinary array (false; always on OpenCL, which has no event to fence the staging with). The values that
    /// arrive are the same either way.
    /// </summary>
    public bool StagedUploads { get; set; } = true;

    /// <summary>
    /// With <see cref="StagedUploads"/>: copy each input on a second stream into a device slot of its own (two, in turn), then
    /// into the input on the compute stream, so that the next batch's copy runs while the current step computes (see
    /// <see cref="StagedUpload{T}"/> for the ordering). True by default on CUDA; on the CPU accelerator, whose streams run
    /// each copy as it is queued, it overlaps nothing and costs a copy, so it is off unless set. The values that arrive
    /// are the same either way.
    /// </summary>
    public bool OverlappedUploads { get; set; }

    /// <summary>The staging slot (0 or 1) the next upload of <paramref name="input"/> uses; -1 before its first staged upload.</summary>
    public int UploadSlot(Node<T> input) => _staged.TryGetValue(input, out var s) ? s.Slot : -1;

    /// <summary>Copies one batch from the host into an input node.</summary>
    public void SetInput(Node<T> input, ReadOnlySpan<T> data)
    {
        CheckInput(input, data.Length);
        if (Staged(input) is { } staged)
        {
            data.CopyTo(staged.Next(data.Length));
            staged.Send(View(input).SubView(0, data.Length));
        }
        else
        {
            var staging = StagingFor(input);
            data.CopyTo(staging);
            UploadSynchronously(input, staging, data.Length);
        }
        _fed.Add(input);
    }

    /// <summary>Copies float data (the datasets' element type) into an input node, converting if T is not float.</summary>
    public void SetInput(Node<T> input, ReadOnlySpan<float> data)
    {
        CheckInput(input, data.Length);
        var staged = Staged(input);
        var staging = staged is null ? StagingFor(input).AsSpan(0, data.Length) : staged.Next(data.Length);
        if (typeof(T) == typeof(float)) data.CopyTo(System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(staging));
        else for (int i = 0; i < data.Length; i++) staging[i] = T.CreateTruncating(data[i]);
        if (staged is not null) staged.Send(View(input).SubView(0, data.Length));
        else UploadSynchronously(input, _staging[input], data.Length);
        _fed.Add(input);
    }

    StagedUpload<T>? Staged(Node<T> input)
    {
        if (!StagedUploads || !StagedUpload<T>.Supports(Device)) return null;
        if (_staged.TryGetValue(input, out var staged) && staged.Overlapped == OverlappedUploads) return staged;
        staged?.Dispose();
        return _staged[input] = new StagedUpload<T>(Device, input.Length, OverlappedUploads);
    }

    void UploadSynchronously(Node<T> input, T[] staging, int length)
    {
        View(input).SubView(0, length).CopyFromCPU(staging);
        Device.CountSynchronousUpload();
    }

    // One host buffer per input, kept: a step that feeds several inputs of different sizes allocates nothing.
    T[] StagingFor(Node<T> input)
    {
        if (!_staging.TryGetValue(input, out var buffer)) _staging[input] = buffer = new T[input.Length];
        return buffer;
    }

    void CheckInput(Node<T> input, int length)
    {
        if (input.Kind != NodeKind.Input || !_valueAt.ContainsKey(input))
            throw new IlgpuAeException($"{input.Label} is not an input of this graph");
        if (length != input.Length)
            throw new IlgpuAeException($"input {input.Name} expects {input.Rows}x{input.Cols} = {input.Length} values, got {length}");
    }

    /// <summary>Runs every op's forward launches and adds the loss terms into the running sums.</summary>
    public void Forward()
    {
        if (_fed.Count != _inputs.Length) throw NotFed();
        _backwardPhase = false;
        _current = _objectives[0];
        _fusedFor = FuseLossGradients ? _current : null;
        StageStep();
        if (Profile is { } profile)
        {
            ForwardProfiled(profile, _forward, 0, _terms.Length);
            return;
        }
        foreach (var op in _forward) op.Forward(_runner);
        AccumulateTerms(0, _terms.Length);
    }

    /// <summary>
    /// The forward ops of objective <paramref name="objective"/> alone (those that reach its terms; the first objective also
    /// runs those that reach none), then its terms into the running sums: the first half of its part of a training step.
    /// </summary>
    public void Forward(string objective)
    {
        var o = Find(objective);
        if (_fed.Count != _inputs.Length) throw NotFed();
        _backwardPhase = false;
        _current = o;
        _fusedFor = FuseLossGradients ? o : null;
        StageStep();
        if (Profile is { } profile)
        {
            ForwardProfiled(profile, o.Forward, o.TermStart, o.TermCount);
            return;
        }
        foreach (var op in o.Forward) op.Forward(_runner);
        AccumulateTerms(o.TermStart, o.TermCount);
    }

    /// <summary>The objectives the graph declared, in step order; empty when it declared none (one objective over every term and parameter).</summary>
    public IReadOnlyList<string> ObjectiveNames => _declared ? _objectives.Select(o => o.Name).ToArray() : [];

    /// <summary>The parameter group objective <paramref name="objective"/> updates.</summary>
    public ParameterGroup<T> GroupOf(string objective) => Find(objective).Group!;

    /// <summary>The names of objective <paramref name="objective"/>'s terms, in term order.</summary>
    public IReadOnlyList<string> TermsOf(string objective) => TermsOf(Find(objective)).Select(t => t.Name).ToArray();

    /// <summary>Where objective <paramref name="objective"/>'s terms sit in term order (they are contiguous).</summary>
    public (int Start, int Count) TermRange(string objective)
    {
        var o = Find(objective);
        return (o.TermStart, o.TermCount);
    }

    /// <summary>Σ weight·term over objective <paramref name="objective"/>'s terms in the last forward pass.</summary>
    public double Objective(string objective) => TermsOf(Find(objective)).Sum(t => t.Weight.At(ScheduleStep) * Term(t.Name));

    /// <summary>
    /// The weight of each term in the loss a run reports (train_loss, test_loss), in term order: <see cref="TermWeights"/> without
    /// declared objectives; with them, the first objective's weights and 0 for the other objectives' terms, which are reported
    /// as terms (a discriminator's loss is not part of an autoencoder's loss).
    /// </summary>
    public IReadOnlyList<double> LossWeights => _declared
        ? _terms.Select((t, i) => i < _objectives[0].TermCount ? t.Weight.At(ScheduleStep) : 0).ToArray()
        : TermWeights;

    /// <summary>
    /// While true, detach ops keep the values of the pass before instead of copying their inputs: sg(·) held constant, so that
    /// finite differences of the objective measure the gradient backward computes (the shipped gradient check sets it while it probes).
    /// </summary>
    public bool HoldDetached { get; set; }

    ObjectivePlan Find(string objective)
    {
        if (!_declared) throw new IlgpuAeException($"this plan declares no objectives (it has one over every term), so there is no objective '{objective}'");
        return _objectives.FirstOrDefault(o => o.Name == objective)
            ?? throw new IlgpuAeException($"no objective named '{objective}' (the plan has {string.Join(", ", _objectives.Select(o => o.Name))})");
    }

    /// <summary>Queues the upload of <see cref="Step"/> into the device cell the random ops read (nothing when it is unchanged).</summary>
    void StageStep()
    {
        _stepCell.Set(Step);
        _stepCell.Upload();
    }

    /// <summary>
    /// Queues the uploads of this step's device-held values (<see cref="Step"/>, and the terms' gradient seeds at
    /// <see cref="ScheduleStep"/>): <see cref="Forward()"/> and <see cref="Backward()"/> do it themselves; a caller that replays
    /// their captured launches does it before each replay.
    /// </summary>
    public void StageScalars()
    {
        StageStep();
        if (Training)
            foreach (var o in _objectives) StageSeeds(o);
    }

    IlgpuAeException NotFed()
    {
        var missing = _inputs.Where(n => !_fed.Contains(n)).Select(n => $"'{n.Name}' [{n.Rows}x{n.Cols}]");
        return new IlgpuAeException($"the graph's input {string.Join(", ", missing)} was never fed: call plan.SetInput(plan.Input(name), values) " +
            "(or the model's Feed) before Forward; an input left unfed would be read as whatever its buffer holds");
    }

    void AccumulateTerms(int start, int count)
    {
        if (count == 0) return;
        var k = Device.Load<Loop, ArrayView<T>, ArrayView<int>, ArrayView<T>, ArrayView<T>>(MetricKernels.AccumulateScalars);
        if (count == _terms.Length) k(1, new Loop(1, count), _arena.View, _termOffsets.View, _termSums.View, _lastTerms.View);
        else k(1, new Loop(1, count), _arena.View, _termOffsets.View.SubView(start, count), _termSums.View.SubView(start, count), _lastTerms.View.SubView(start, count));
    }

    /// <summary>
    /// Opt-in per-op profile (null, the default, is off): every op then runs between two synchronisations and
    /// its time and launches add to its row. Kept out of the plain path, which stays as it was.
    /// </summary>
    public StepProfile? Profile { get; set; }

    void ForwardProfiled(StepProfile profile, Op<T>[] ops, int termStart, int termCount)
    {
        foreach (var op in ops)
            profile.Measure(Device, "forward", Label(op, Array.IndexOf(_forward, op)), () => op.Forward(_runner));
        profile.Measure(Device, "forward", "loss term sums", () => AccumulateTerms(termStart, termCount));
    }

    void BackwardProfiled(StepProfile profile, ObjectivePlan o)
    {
        profile.Measure(Device, "backward", "seed term gradients", () => SeedTermGradients(o));
        foreach (var op in o.Backward)
        {
            if (Fused(op)) continue;
            profile.Measure(Device, "backward", Label(op, Array.IndexOf(_forward, op)), () => op.Backward(_runner));
        }
    }

    /// <summary>"#index name first-parameter": names a Linear by its weight, other ops by their place in the schedule.</summary>
    static string Label(Op<T> op, int index) =>
        $"#{index} {op.Name} {op.Inputs.FirstOrDefault(n => n.Kind == NodeKind.Parameter)?.Name ?? $"-> [{op.Output.Rows}x{op.Output.Cols}]"}";

    /// <summary>Seeds d(objective)/d(term) = weight and runs the backward schedule into the gradient buffer.</summary>
    public void Backward()
    {
        if (!Training) throw new InvalidOperationException("this plan was compiled without a backward pass");
        if (_declared)
            throw new IlgpuAeException($"this plan has {_objectives.Length} objectives ({string.Join(", ", _objectives.Select(o => o.Name))}): " +
                "run Forward(name) and Backward(name) for each, in that order");
        Backward(_objectives[0]);
    }

    /// <summary>
    /// Seeds d(objective)/d(term) = weight for objective <paramref name="objective"/>'s terms and runs its backward schedule: the
    /// gradients of its group's members (a member none of its terms reaches gets 0), after <see cref="Forward(string)"/> of the same objective.
    /// </summary>
    public void Backward(string objective)
    {
        if (!Training) throw new InvalidOperationException("this plan was compiled without a backward pass");
        Backward(Find(objective));
    }

    void Backward(ObjectivePlan o)
    {
        _backwardPhase = true;
        _current = o;
        foreach (var p in o.Unreached)
        {
            var view = Parameters.GradOf(p);
            var loop = Device.LoopFor(view.Length);
            Device.Load<Loop, ArrayView<T>, T>(ElementwiseKernels.Fill)(loop.Threads, loop, view, T.Zero);
        }
        if (Profile is { } profile)
        {
            BackwardProfiled(profile, o);
            return;
        }
        SeedTermGradients(o);
        foreach (var op in o.Backward)
            if (!Fused(op)) op.Backward(_runner);
    }

    void SeedTermGradients(ObjectivePlan o)
    {
        StageSeeds(o);
        // A fused loss writes its inputs' gradients in its forward launch and reads no seed: when every term is fused, none is scattered.
        bool read = false;
        foreach (var (node, _) in o.Seeded) read |= node.Producer is not { } producer || !Fused(producer);
        if (!read) return;
        Device.Load<Loop, ArrayView<T>, ArrayView<int>, ArrayView<T>>(MetricKernels.ScatterScalars)(
            1, new Loop(1, o.Seeded.Length), _arena.View, o.SeedOffsets!.View, o.Seeds!.View);
    }

    /// <summary>d(objective)/d(term) = weight at <see cref="ScheduleStep"/> · <see cref="GradientScale"/>, uploaded for the scatter to read.</summary>
    void StageSeeds(ObjectivePlan o)
    {
        var values = o.Seeds!.Values;
        for (int i = 0; i < o.Seeded.Length; i++) values[i] = T.CreateTruncating(o.Seeded[i].Weight.At(ScheduleStep) * GradientScale);
        o.Seeds.Upload();
    }

    /// <summary>Sums of every loss term over the forward passes since the last reset, in term order.</summary>
    public double[] TermSums() => ReadTerms(_termSums);

    double[] ReadTerms(MemoryBuffer1D<T, Stride1D.Dense> buffer)
    {
        if (_terms.Length == 0) return [];
        Device.Read(buffer.View.SubView(0, _terms.Length), _termHost);
        var values = new double[_terms.Length];
        for (int i = 0; i < values.Length; i++) values[i] = double.CreateTruncating(_termHost[i]);
        return values;
    }

    /// <summary>The device copy of <see cref="LastTerms"/>, [<see cref="TermNames"/>.Count] (at least one element).</summary>
    internal ArrayView<T> LastTermsView => _lastTerms.View;

    /// <summary>Loss terms of the plan (the length of every per-term array).</summary>
    public int TermCount => _terms.Length;

    /// <summary>Zeroes the running sums of <see cref="TermSums"/> (at the start of an epoch).</summary>
    public void ResetTermSums() => _termSums.MemSetToZero();

    /// <summary>Replaces the running sums (a resumed run continues the epoch's sums exactly).</summary>
    public void SetTermSums(IReadOnlyList<double> sums)
    {
        if (sums.Count != _terms.Length) throw new ArgumentException($"expected {_terms.Length} term sums, got {sums.Count}");
        if (_terms.Length > 0) _termSums.View.SubView(0, _terms.Length).CopyFromCPU(sums.Select(T.CreateTruncating).ToArray());
    }

    /// <summary>Every term's value in the last forward pass, in term order (one small read).</summary>
    public double[] LastTerms() => ReadTerms(_lastTerms);

    /// <summary>The value of one term from the last forward pass (synchronises; for tests and tools).</summary>
    public double Term(string name)
    {
        var term = _terms.FirstOrDefault(t => t.Name == name);
        if (term.Node is null) throw new KeyNotFoundException($"no loss term named '{name}'");
        return double.CreateTruncating(Download(View(term.Node).SubView(0, 1))[0]);
    }

    /// <summary>The objective of the last forward pass: sum of weight·term.</summary>
    public double Objective() => _terms.Sum(t => t.Weight.At(ScheduleStep) * Term(t.Name));

    /// <summary>Reads a named output (or any kept node) after the forward pass.</summary>
    public T[] Read(string outputName)
    {
        if (!_graph.Outputs.TryGetValue(outputName, out var node))
            throw new KeyNotFoundException($"no output named '{outputName}'");
        return Download(View(node));
    }

    /// <summary>
    /// The value of <paramref name="node"/> after the forward pass: any node marked with <see cref="GraphBuilder{T}.Keep"/> or
    /// <see cref="GraphBuilder{T}.Output"/>, an input, a loss term or a parameter, in training plans as in evaluation ones.
    /// <see cref="IlgpuAeException"/> for a node that was not marked (its buffer is reused within the step) or belongs to another graph.
    /// </summary>
    public T[] Read(Node<T> node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.Kind == NodeKind.Parameter && Parameters.Parameters.Contains(node.Parameter!)) return Download(Parameters.ValueOf(node.Parameter!));
        if (!_valueAt.ContainsKey(node) || !_graph.Nodes.Contains(node)) throw new IlgpuAeException($"{node.Label} is not a node of this plan's graph");
        if (!_readable.Contains(node))
            throw new IlgpuAeException($"{node.Label} is not readable from this plan: mark it with g.Keep(node) or g.Output(name, node) while building the graph");
        return Download(View(node));
    }

    /// <summary>The node kept under <paramref name="name"/> by <see cref="GraphBuilder{T}.Output"/>; KeyNotFoundException if none.</summary>
    public Node<T> OutputNode(string name) => _graph.Outputs[name];

    ArrayView<T> View(Node<T> node) => _runner.Value(node);

    static T[] Download(ArrayView<T> view)
    {
        var host = new T[view.Length];
        view.CopyToCPU(host);
        return host;
    }

    /// <summary>Frees the arena and the term buffers; parameters belong to the store and stay.</summary>
    public void Dispose()
    {
        _arena.Dispose();
        _termOffsets.Dispose();
        _termSums.Dispose();
        _lastTerms.Dispose();
        _termHost.Dispose();
        foreach (var o in _objectives)
        {
            o.SeedOffsets?.Dispose();
            o.Seeds?.Dispose();
        }
        _stepCell.Dispose();
        foreach (var staged in _staged.Values) staged.Dispose();
        _staged.Clear();
    }

    sealed class Runner(Plan<T> plan) : Exec<T>
    {
        public override Device Device => plan.Device;
        public override ulong Step => plan.Step;
        public override ArrayView<ulong> StepCell => plan._stepCell.View;
        public override ulong Seed => plan.Seed;
        public override ulong RowOffset => plan.RowOffset;

        public override ArrayView<T> Value(Node<T> node) => node.Kind == NodeKind.Parameter
            ? plan.Parameters.ValueOf(node.Parameter!)
            : plan._arena.View.SubView(plan._valueAt[node], node.Length);

        public override ArrayView<T> Grad(Node<T> node)
        {
            if (!plan._current.NeedsGrad.Contains(node)) throw new InvalidOperationException($"{node} has no gradient in this plan");
            return node.Kind == NodeKind.Parameter
                ? plan.Parameters.GradOf(node.Parameter!)
                : plan._arena.View.SubView(plan._current.GradAt[node], node.Length);
        }

        public override bool NeedsGrad(Node<T> node) => plan._current.NeedsGrad.Contains(node);

        public override T Beta(Op<T> op, int input) => plan._current.Beta[(op, input)];

        public override bool HoldsDetached => plan.HoldDetached;

        public override bool GradientInForward(Op<T> op) => plan.Fused(op);

        public override T TermGradient(Node<T> term)
        {
            foreach (var (_, node, weight) in plan._terms)
                if (node == term) return T.CreateTruncating(weight.At(plan.ScheduleStep) * plan.GradientScale);
            return base.TermGradient(term);
        }

        public override ArrayView<T> Scratch(Op<T> op)
        {
            var table = plan._backwardPhase ? plan._current.BackwardScratch : plan._forwardScratch;
            if (!table.TryGetValue(op, out var s))
                throw new IlgpuAeException($"op '{op.Name}' ({op.GetType().Name}) asked for {(plan._backwardPhase ? "backward" : "forward")} scratch it did not declare (override {(plan._backwardPhase ? "BackwardScratch" : "ForwardScratch")})");
            return plan._arena.View.SubView(s.At, s.Length);
        }
    }

    /// <summary>Step counter handed to random ops (the trainer advances it once per optimizer step).</summary>
    public ulong Step { get; set; }

    /// <summary>Seed handed to random ops.</summary>
    public ulong Seed { get; set; }

    /// <summary>
    /// Multiplies the seed of every term's gradient, so that backward yields scale·∂objective/∂θ (1, the default, leaves the
    /// seed as the term's weight, bit for bit). A rank of a data-parallel run sets its share of the batch, rows/B: the ranks'
    /// gradients then sum to the whole batch's, at no extra launch.
    /// </summary>
    public double GradientScale { get; set; } = 1;

    /// <summary>
    /// The row of the whole batch that this plan's row 0 is, handed to random ops (0, the default, in one process; a rank's
    /// slice start in data-parallel training), so that every draw is a function of (seed, step, row of the whole batch).
    /// </summary>
    public ulong RowOffset { get; set; }

    /// <summary>One objective's part of the plan: its terms (a contiguous range), forward ops, backward schedule and gradient buffers.</summary>
    sealed record ObjectivePlan(string Name, ParameterGroup<T>? Group, int TermStart, int TermCount, Op<T>[] Forward)
    {
        public Op<T>[] Backward { get; set; } = [];
        public HashSet<Node<T>> NeedsGrad { get; } = [];
        public Dictionary<(Op<T>, int), T> Beta { get; } = [];
        public Dictionary<Node<T>, long> GradAt { get; } = [];
        public Dictionary<Op<T>, (long At, long Length)> BackwardScratch { get; } = [];
        public Parameter<T>[] Unreached { get; set; } = [];
        public HashSet<Op<T>> GradientInForward { get; } = [];
        // The terms this objective seeds, where their gradients sit, and the seeds' device cells (see SeedTermGradients).
        public (Node<T> Node, Schedule Weight)[] Seeded { get; set; } = [];
        public MemoryBuffer1D<int, Stride1D.Dense>? SeedOffsets { get; set; }
        public DeviceScalars<T>? Seeds { get; set; }
    }
}
