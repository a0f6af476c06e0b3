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

    public int Id { get; }
    public string Name { get; }
    public int Rows { get; }
    public int Cols { get; }
    public long Length => (long)Rows * Cols;
    public NodeKind Kind { get; }

    /// <summary>The parameter this node reads, for <see cref="NodeKind.Parameter"/> nodes.</summary>
    public Parameter<T>? Parameter { get; }

    /// <summary>The op computing this node, for <see cref="NodeKind.Value"/> nodes.</summary>
    public Op<T>? Producer { get; internal set; }

    public bool IsScalar => Rows == 1 && Cols == 1;

    public override string ToString() => $"{Name}[{Rows}x{Cols}]";
}
