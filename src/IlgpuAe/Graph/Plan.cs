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
    readonly Op<T>[] _backward;
    readonly HashSet<Node<T>> _needsGrad = [];
    readonly Dictionary<(Op<T>, int), T> _beta = [];
    readonly HashSet<Op<T>> _gradientInForward = [];
    readonly Dictionary<Node<T>, long> _valueAt = [];
    readonly Dictionary<Node<T>, long> _gradAt = [];
    readonly Dictionary<Op<T>, (long At, long Length)> _forwardScratch = [];
    readonly Dictionary<Op<T>, (long At, long Length)> _backwardScratch = [];
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
    bool _backwardPhase;

    internal Plan(GraphBuilder<T> graph, bool training)
    {
        _graph = graph;
        Training = training;
        graph.Parameters.Materialize();
        _terms = graph.Terms.ToArray();
        if (training && _terms.Length == 0) throw new InvalidOperationException("a training plan needs at least one loss term");
        _forward = graph.Ops.ToArray();
        _inputs = graph.Nodes.Where(n => n.Kind == NodeKind.Input).ToArray();
        _readable = [.. _inputs, .. graph.Constants.Keys, .. graph.Outputs.Values, .. graph.Kept, .. _terms.Select(t => t.Node)];
        _backward = training ? PlanBackward() : [];
        // Ops from outside the engine run once on padded buffers first, so that a kernel writing past a declared shape is named here.
        var probed = _forward.Where(op => op.GetType().Assembly != typeof(Plan<T>).Assembly).ToList();
        if (probed.Count > 0)
        {
            long pad = Math.Max(1024, graph.Nodes.Max(n => n.Length));
            foreach (var op in probed)
                OpProbe<T>.Check(Device, op, Array.IndexOf(_forward, op), _backward.Contains(op), pad, Seed, _needsGrad.Contains, (o, i) => _beta[(o, i)]);
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
        _runner = new Runner(this);
    }

    /// <summary>The device the plan's buffers live on.</summary>
    public Device Device => _graph.Device;
    /// <summary>Rows of every batch-shaped input; each forward pass needs exactly this many.</summary>
    public int Batch => _graph.Batch;
    /// <summary>Whether the plan has a backward schedule and gradient buffers.</summary>
    public bool Training { get; }
    /// <summary>The parameters (values and gradients) the plan reads and writes.</summary>
    public ParameterStore<T> Parameters => _graph.Parameters;

    /// <summary>Elements in the arena holding every intermediate value and gradient.</summary>
    public long ArenaLength { get; }

    /// <summary>Kernel-launching ops in the forward and backward schedules.</summary>
    public int ForwardOps => _forward.Length;
    /// <summary>Kernel-launching ops in the backward schedule (0 for an evaluation plan).</summary>
    public int BackwardOps => _backward.Length;

    /// <summary>The loss terms' names, in term order (the order of every per-term array).</summary>
    public IReadOnlyList<string> TermNames => _termNames ??= _terms.Select(t => t.Name).ToArray();
    string[]? _termNames;

    /// <summary>The weight of each term in the objective at <see cref="ScheduleStep"/>, in term order.</summary>
    public IReadOnlyList<double> TermWeights => _terms.Select(t => t.Weight.At(ScheduleStep)).ToArray();

    /// <summary>The weight schedule of each term (a constant unless the graph gave a <see cref="Schedule"/>), in term order.</summary>
    public IReadOnlyList<Schedule> TermSchedules => _terms.Select(t => t.Weight).ToArray();

    /// <summary>
    /// The step at which scheduled term weights are taken (seeding the backward pass, <see cref="TermWeights"/>, <see cref="Objective"/>).
    /// The trainer sets it before each step and before evaluating; it is apart from <see cref="Step"/>, which drives the random draws.
    /// </summary>
    public long ScheduleStep { get; set; }

    /// <summary>Which nodes get a gradient: parameters and everything between them and a loss term.</summary>
    Op<T>[] PlanBackward()
    {
        var requires = new HashSet<Node<T>>(_graph.Nodes.Where(n => n.Kind == NodeKind.Parameter));
        foreach (var op in _forward)
            if (op.Inputs.Any(requires.Contains)) requires.Add(op.Output);
        var reaches = new HashSet<Node<T>>(_terms.Select(t => t.Node));
        for (int i = _forward.Length - 1; i >= 0; i--)
            if (reaches.Contains(_forward[i].Output))
                foreach (var input in _forward[i].Inputs) reaches.Add(input);
        foreach (var n in _graph.Nodes)
            if (requires.Contains(n) && reaches.Contains(n)) _needsGrad.Add(n);

        var backward = _forward.Where(op => _needsGrad.Contains(op.Output)).Reverse().ToArray();
        var written = new HashSet<Node<T>>(_terms.Select(t => t.Node)); // seeded with the term weights
        // Parameter gradients are overwritten by their first writer each step, like any other.
        foreach (var op in backward)
            for (int i = 0; i < op.Inputs.Count; i++)
            {
                var input = op.Inputs[i];
                if (!_needsGrad.Contains(input)) continue;
                _beta[(op, i)] = written.Add(input) ? T.Zero : T.One;
            }
        foreach (var op in backward)
            if (CanFuseGradient(op, backward)) _gradientInForward.Add(op);
        return backward;
    }

    /// <summary>
    /// Whether <paramref name="op"/>'s gradient can be written by its forward launch: its output is one loss term whose
    /// gradient is only the seed (no other op reads it), the inputs it offers are exactly those needing a gradient, each an
    /// op's value (not a parameter, whose gradient lives beyond the step) that this op writes first (beta 0).
    /// </summary>
    bool CanFuseGradient(Op<T> op, Op<T>[] backward)
    {
        var offered = op.GradientInForward;
        if (offered.Count == 0) return false;
        int asTerm = 0;
        foreach (var term in _terms) if (term.Node == op.Output) asTerm++;
        if (asTerm != 1) return false;
        foreach (var other in backward)
            if (other != op && other.Inputs.Contains(op.Output)) return false;
        for (int i = 0; i < op.Inputs.Count; i++)
        {
            var input = op.Inputs[i];
            bool needs = _needsGrad.Contains(input);
            if (needs != offered.Contains(i)) return false;
            if (needs && (input.Kind != NodeKind.Value || _beta[(op, i)] != T.Zero)) return false;
        }
        return true;
    }

    // Taken when the forward pass starts, so that a switch between Forward and Backward cannot skip a gradient never written.
    bool _fusedThisStep;

    bool Fused(Op<T> op) => _fusedThisStep && _gradientInForward.Contains(op);

    /// <summary>
    /// Whether losses that can write their gradient in the same launch as their value do so (true, the default): their
    /// backward launch and their term's seed launch are then skipped, and the gradients are the same bits. False runs
    /// every op's Backward as before, for comparisons. It takes effect at the next Forward (a Backward follows the Forward it belongs to).
    /// </summary>
    public bool FuseLossGradients { get; set; } = true;

    /// <summary>Ops of this plan whose backward pass is fused into their forward launch while <see cref="FuseLossGradients"/> is on.</summary>
    public int FusedGradientOps => _gradientInForward.Count;

    long PlaceBuffers()
    {
        int f = _forward.Length;
        int end = f + 1 + _backward.Length;
        int seedStep = f;
        var fwdStep = new Dictionary<Op<T>, int>();
        for (int i = 0; i < f; i++) fwdStep[_forward[i]] = i;
        var bwdStep = new Dictionary<Op<T>, int>();
        for (int j = 0; j < _backward.Length; j++) bwdStep[_backward[j]] = f + 1 + j;

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
            bool whole = node.Kind is NodeKind.Input or NodeKind.Constant;
            int first = whole ? 0 : fwdStep[node.Producer!];
            int last = first;
            if (whole || kept.Contains(node)) last = end;
            foreach (var op in _forward)
                if (op.Inputs.Contains(node)) last = Math.Max(last, fwdStep[op]);
            foreach (var op in _backward)
                if (op.SavedForBackward.Contains(node)) last = Math.Max(last, bwdStep[op]);
            Want(node.Length, first, last, at => _valueAt[node] = at);

            if (_needsGrad.Contains(node) && node.Kind == NodeKind.Value)
            {
                int gFirst = kept.Contains(node) && _terms.Any(t => t.Node == node) ? seedStep : int.MaxValue;
                foreach (var op in _backward)
                    if (op.Inputs.Contains(node)) gFirst = Math.Min(gFirst, bwdStep[op]);
                // A fused loss writes this gradient during the forward pass: the buffer lives from there (fused or not, so the switch is free).
                foreach (var op in _gradientInForward)
                    if (op.Inputs.Contains(node)) gFirst = Math.Min(gFirst, fwdStep[op]);
                int gLast = bwdStep[node.Producer!];
                Want(node.Length, Math.Min(gFirst, gLast), gLast, at => _gradAt[node] = at);
            }
        }
        foreach (var op in _forward)
        {
            long fs = op.ForwardScratch(Device);
            if (fs > 0) Want(fs, fwdStep[op], fwdStep[op], at => _forwardScratch[op] = (at, fs));
        }
        foreach (var op in _backward)
        {
            long bs = op.BackwardScratch(Device);
            if (bs > 0) Want(bs, bwdStep[op], bwdStep[op], at => _backwardScratch[op] = (at, bs));
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
        if (!_staged.TryGetValue(input, out var staged)) _staged[input] = staged = new StagedUpload<T>(Device, input.Length);
        return staged;
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
        _fusedThisStep = FuseLossGradients;
        if (Profile is { } profile)
        {
            ForwardProfiled(profile);
            return;
        }
        foreach (var op in _forward) op.Forward(_runner);
        AccumulateTerms();
    }

    IlgpuAeException NotFed()
    {
        var missing = _inputs.Where(n => !_fed.Contains(n)).Select(n => $"'{n.Name}' [{n.Rows}x{n.Cols}]");
        return new IlgpuAeException($"the graph's input {string.Join(", ", missing)} was never fed: call plan.SetInput(plan.Input(name), values) " +
            "(or the model's Feed) before Forward; an input left unfed would be read as whatever its buffer holds");
    }

    void AccumulateTerms()
    {
        if (_terms.Length == 0) return;
        var k = Device.Load<Loop, ArrayView<T>, ArrayView<int>, ArrayView<T>, ArrayView<T>>(MetricKernels.AccumulateScalars);
        k(1, new Loop(1, _terms.Length), _arena.View, _termOffsets.View, _termSums.View, _lastTerms.View);
    }

    /// <summary>
    /// Opt-in per-op profile (null, the default, is off): every op then runs between two synchronisations and
    /// its time and launches add to its row. Kept out of the plain path, which stays as it was.
    /// </summary>
    public StepProfile? Profile { get; set; }

    void ForwardProfiled(StepProfile profile)
    {
        for (int i = 0; i < _forward.Length; i++)
        {
            var op = _forward[i];
            profile.Measure(Device, "forward", Label(op, i), () => op.Forward(_runner));
        }
        profile.Measure(Device, "forward", "loss term sums", AccumulateTerms);
    }

    void BackwardProfiled(StepProfile profile)
    {
        profile.Measure(Device, "backward", "seed term gradients", SeedTermGradients);
        for (int i = 0; i < _backward.Length; i++)
        {
            var op = _backward[i];
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
        _backwardPhase = true;
        if (Profile is { } profile)
        {
            BackwardProfiled(profile);
            return;
        }
        SeedTermGradients();
        foreach (var op in _backward)
            if (!Fused(op)) op.Backward(_runner);
    }

    void SeedTermGradients()
    {
        var fill = Device.Load<Loop, ArrayView<T>, T>(ElementwiseKernels.Fill);
        foreach (var (_, node, weight) in _terms)
            if (_needsGrad.Contains(node) && (node.Producer is not { } producer || !Fused(producer)))
                fill(1, new Loop(1, 1), _runner.Grad(node), T.CreateTruncating(weight.At(ScheduleStep) * GradientScale));
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
        foreach (var staged in _staged.Values) staged.Dispose();
        _staged.Clear();
    }

    sealed class Runner(Plan<T> plan) : Exec<T>
    {
        public override Device Device => plan.Device;
        public override ulong Step => plan.Step;
        public override ulong Seed => plan.Seed;
        public override ulong RowOffset => plan.RowOffset;

        public override ArrayView<T> Value(Node<T> node) => node.Kind == NodeKind.Parameter
            ? plan.Parameters.ValueOf(node.Parameter!)
            : plan._arena.View.SubView(plan._valueAt[node], node.Length);

        public override ArrayView<T> Grad(Node<T> node)
        {
            if (!plan._needsGrad.Contains(node)) throw new InvalidOperationException($"{node} has no gradient in this plan");
            return node.Kind == NodeKind.Parameter
                ? plan.Parameters.GradOf(node.Parameter!)
                : plan._arena.View.SubView(plan._gradAt[node], node.Length);
        }

        public override bool NeedsGrad(Node<T> node) => plan._needsGrad.Contains(node);

        public override T Beta(Op<T> op, int input) => plan._beta[(op, input)];

        public override bool GradientInForward(Op<T> op) => plan.Fused(op);

        public override T TermGradient(Node<T> term)
        {
            foreach (var (_, node, weight) in plan._terms)
                if (node == term) return T.CreateTruncating(weight.At(plan.ScheduleStep) * plan.GradientScale);
            return base.TermGradient(term);
        }

        public override ArrayView<T> Scratch(Op<T> op)
        {
            var table = plan._backwardPhase ? plan._backwardScratch : plan._forwardScratch;
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
}
