using System.Numerics;

namespace IlgpuAe.Graph;

/// <summary>Where a node's value comes from.</summary>
public enum NodeKind
{
    /// <summary>Uploaded from the host before each forward pass (a batch of data, a condition).</summary>
    Input,
    /// <summary>A slice of the flat parameter buffer; its gradient is a slice of the flat gradient buffer.</summary>
    Parameter,
    /// <summary>Computed by an op; its buffer is assigned by liveness.</summary>
    Value,
    /// <summary>Fixed values given when the graph is built (<see cref="GraphBuilder{T}.Constant(int, int, double)"/>), uploaded once when the plan is compiled.</summary>
    Constant,
}

/// <summary>
/// A symbolic matrix of the graph: [Rows, Cols], row-major. A batch of B rows of D features is
/// [B, D]; a scalar (a loss term) is [1, 1]. Nodes carry no memory: the compiled plan binds them.
/// </summary>
public sealed class Node<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal Node(int id, string name, int rows, int cols, NodeKind kind, Parameter<T>? parameter, Op<T>? producer)
    {
        Id = id;
        Name = name;
        Rows = rows;
        Cols = cols;
        Kind = kind;
        Parameter = parameter;
        Producer = producer;
    }

    /// <summary>Position in the graph's node list, unique within one graph.</summary>
    public int Id { get; }
    /// <summary>The input's or parameter's name, or the producing op's name; for messages, not unique.</summary>
    public string Name { get; }
    /// <summary>Rows (the batch for batch-shaped nodes, 1 for a scalar).</summary>
    public int Rows { get; }
    /// <summary>Columns (features per row).</summary>
    public int Cols { get; }
    /// <summary>Elements, Rows·Cols.</summary>
    public long Length => (long)Rows * Cols;
    /// <summary>Where the value comes from: input, parameter or op.</summary>
    public NodeKind Kind { get; }

    /// <summary>The parameter this node reads, for <see cref="NodeKind.Parameter"/> nodes.</summary>
    public Parameter<T>? Parameter { get; }

    /// <summary>The op computing this node, for <see cref="NodeKind.Value"/> nodes.</summary>
    public Op<T>? Producer { get; internal set; }

    /// <summary>Whether the node is [1, 1], the shape of a loss term.</summary>
    public bool IsScalar => Rows == 1 && Cols == 1;

    /// <summary>"#id name[rows x cols]", e.g. "#4 linear[64x400]": how messages name a node (names are op names, not unique; ids are).</summary>
    public string Label => $"#{Id} {this}";

    /// <summary>Name and shape, e.g. "linear[64x784]".</summary>
    public override string ToString() => $"{Name}[{Rows}x{Cols}]";
}
