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
    readonly List<(string Name, Node<T> Node, double Weight)> _terms = [];
    readonly Dictionary<string, Node<T>> _outputs = [];
    readonly Dictionary<Parameter<T>, Node<T>> _parameterNodes = [];

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
    internal IReadOnlyList<(string Name, Node<T> Node, double Weight)> Terms => _terms;
    internal IReadOnlyDictionary<string, Node<T>> Outputs => _outputs;

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
            if (!_nodes.Contains(input)) throw new ArgumentException($"op {op.Name} reads {input}, which belongs to another graph");
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
        if (!scalar.IsScalar) throw new ArgumentException($"loss term '{name}' must be a scalar, got {scalar}");
        if (_terms.Any(t => t.Name == name)) throw new ArgumentException($"loss term '{name}' is named twice");
        if (!double.IsFinite(weight)) throw new ArgumentException($"loss term '{name}' has a weight that is not finite");
        _terms.Add((name, scalar, weight));
    }

    /// <summary>Keeps a node readable after the forward pass (reconstructions, codes) under a name.</summary>
    public void Output(string name, Node<T> node) => _outputs[name] = node;

    Node<T> NewNode(string name, int rows, int cols, NodeKind kind, Parameter<T>? p, Op<T>? producer)
    {
        if (rows <= 0 || cols <= 0) throw new ArgumentException($"node '{name}' would have the empty shape [{rows}x{cols}]");
        var node = new Node<T>(_nodes.Count, name, rows, cols, kind, p, producer);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Compiles the graph into a launch plan, with a backward pass when <see cref="Training"/>.</summary>
    public Plan<T> Compile() => new(this, Training);
}
