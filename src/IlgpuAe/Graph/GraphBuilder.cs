using System.Numerics;

namespace IlgpuAe.Graph;

/// <summary>
/// Records a static graph for one batch size: inputs, parameters, ops and named loss terms.
/// Ops are appended in execution order, so the op list is already a valid forward schedule.
/// The op vocabulary lives in GraphBuilder.*.cs; a custom op is an <see cref="Op{T}"/> passed to <see cref="Add(Op{T}, int, int)"/>.
/// </summary>
public sealed partial class GraphBuilder<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly List<Node<T>> _nodes = [];
    readonly List<Op<T>> _ops = [];
    readonly List<(string Name, Node<T> Node, Schedule Weight)> _terms = [];
    readonly HashSet<Node<T>> _kept = [];
    readonly Dictionary<string, Node<T>> _outputs = [];
    readonly Dictionary<Parameter<T>, Node<T>> _parameterNodes = [];
    readonly Dictionary<Node<T>, T[]> _constants = [];

    /// <summary>Starts an empty graph over <paramref name="parameters"/> for batches of <paramref name="batch"/> rows (positive, else ArgumentOutOfRangeException).</summary>
    public GraphBuilder(ParameterStore<T> parameters, int batch, bool training)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), "batch size must be positive");
        Parameters = parameters;
        Batch = batch;
        Training = training;
    }

    /// <summary>
    /// Whether this graph will train (forward + backward) or only evaluate; models add
    /// evaluation-only outputs (probabilities for pictures) when it is false.
    /// </summary>
    public bool Training { get; }

    /// <summary>The parameters the graph's parameter nodes read.</summary>
    public ParameterStore<T> Parameters { get; }
    /// <summary>The device of <see cref="Parameters"/>, where the compiled plan runs.</summary>
    public Device Device => Parameters.Device;

    /// <summary>Rows of every batch-shaped node.</summary>
    public int Batch { get; }

    internal IReadOnlyList<Node<T>> Nodes => _nodes;
    internal IReadOnlyList<Op<T>> Ops => _ops;
    internal IReadOnlyList<(string Name, Node<T> Node, Schedule Weight)> Terms => _terms;
    internal IReadOnlyCollection<Node<T>> Kept => _kept;
    internal IReadOnlyDictionary<string, Node<T>> Outputs => _outputs;
    internal IReadOnlyDictionary<Node<T>, T[]> Constants => _constants;

    /// <summary>A [rows, cols] input uploaded from the host before each forward pass.</summary>
    public Node<T> Input(string name, int cols, int? rows = null) =>
        NewNode(name, rows ?? Batch, cols, NodeKind.Input, null, null);

    /// <summary>The graph node reading a parameter (one per parameter, however often it is used).</summary>
    public Node<T> Param(Parameter<T> p)
    {
        if (!_parameterNodes.TryGetValue(p, out var node))
        {
            node = NewNode(p.Name, p.Rows, p.Cols, NodeKind.Parameter, p, null);
            _parameterNodes[p] = node;
        }
        return node;
    }

    /// <summary>Appends an op; its output node has the given shape.</summary>
    public Node<T> Add(Op<T> op, int rows, int cols)
    {
        foreach (var input in op.Inputs)
            if (input is null || input.Id >= _nodes.Count || _nodes[input.Id] != input)
                throw new IlgpuAeException($"op '{op.Name}' ({op.GetType().Name}) reads {input?.Label ?? "null"}, which belongs to another graph");
        var output = NewNode(op.Name, rows, cols, NodeKind.Value, null, op);
        op.Output = output;
        _ops.Add(op);
        return output;
    }

    /// <summary>
    /// Names a scalar as a loss term. The objective minimised is the sum of weight·term; every
    /// term is reported by name whatever its weight.
    /// </summary>
    public void Loss(string name, Node<T> scalar, double weight = 1)
    {
        if (!double.IsFinite(weight)) throw new IlgpuAeException($"loss term '{name}' has a weight that is not finite");
        Loss(name, scalar, Schedule.Constant(weight));
    }

    /// <summary>
    /// A loss term whose weight follows <paramref name="weight"/> (the plan's <see cref="Plan{T}.ScheduleStep"/>): a KL warm-up,
    /// cyclical annealing, any function of the step. The weight is a launch argument, so changing it recompiles nothing.
    /// </summary>
    public void Loss(string name, Node<T> scalar, Schedule weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (!scalar.IsScalar) throw new IlgpuAeException($"loss term '{name}' must be a [1x1] scalar, got {scalar.Label}");
        if (_terms.Any(t => t.Name == name)) throw new IlgpuAeException($"loss term '{name}' is named twice");
        _terms.Add((name, scalar, weight));
    }

    /// <summary>Keeps a node readable after the forward pass (reconstructions, codes) under a name, in training plans as in evaluation ones.</summary>
    public void Output(string name, Node<T> node)
    {
        Owned(node, $"output '{name}'");
        _outputs[name] = node;
    }

    /// <summary>
    /// Marks <paramref name="node"/> readable with <see cref="Plan{T}.Read(Node{T})"/> after each forward pass, in a training plan
    /// as in an evaluation one (its buffer is then kept to the end of the step instead of being reused); returns the node.
    /// </summary>
    public Node<T> Keep(Node<T> node)
    {
        Owned(node, "Keep");
        _kept.Add(node);
        return node;
    }

    void Owned(Node<T> node, string what)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.Id >= _nodes.Count || _nodes[node.Id] != node) throw new IlgpuAeException($"{what}: {node} belongs to another graph");
    }

    Node<T> NewNode(string name, int rows, int cols, NodeKind kind, Parameter<T>? p, Op<T>? producer)
    {
        if (rows <= 0 || cols <= 0) throw new IlgpuAeException($"node '{name}' would have the empty shape [{rows}x{cols}]");
        var node = new Node<T>(_nodes.Count, name, rows, cols, kind, p, producer);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Compiles the graph into a launch plan, with a backward pass when <see cref="Training"/>.</summary>
    public Plan<T> Compile() => new(this, Training);

    /// <summary>
    /// Compiles an evaluation plan of only the ops that the outputs (<see cref="Output"/>) and kept nodes (<see cref="Keep"/>) need, with
    /// no loss terms: for tools that read outputs alone, which then do not pay for an objective they ignore (a β-TCVAE's B × B × d parts
    /// on an importance-sampling plan of 1,000 rows). The outputs are those of <see cref="Compile"/>'s plan, bit for bit: the same ops
    /// run on the same inputs. InvalidOperationException for a training graph.
    /// </summary>
    public Plan<T> CompileOutputs() => Training
        ? throw new InvalidOperationException("an outputs-only plan is an evaluation plan; this graph is built for training")
        : new(this, training: false, outputsOnly: true);
}
