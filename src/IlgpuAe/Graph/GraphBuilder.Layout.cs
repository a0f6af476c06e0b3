using System.Numerics;
using IlgpuAe.Ops;

namespace IlgpuAe.Graph;

// Constants, broadcasts and the ops that rearrange features: what a custom objective needs besides arithmetic.
public sealed partial class GraphBuilder<T>
{
    /// <summary>A [rows, cols] constant with every element <paramref name="value"/> (finite), uploaded once when the plan is compiled.</summary>
    public Node<T> Constant(int rows, int cols, double value) =>
        Constant(rows, cols, rows > 0 && cols > 0 ? Enumerable.Repeat(value, checked(rows * cols)).ToArray() : [], "constant");

    /// <summary>A [rows, cols] constant of the given row-major values (rows·cols of them, all finite), uploaded once when the plan is compiled.</summary>
    public Node<T> Constant(int rows, int cols, IReadOnlyList<double> values) => Constant(rows, cols, values, "constant");

    /// <summary>The [n, n] identity matrix as a constant.</summary>
    public Node<T> Identity(int n)
    {
        if (n <= 0) throw new IlgpuAeException($"identity needs a positive size, got {n}");
        var values = new double[checked(n * n)];
        for (int i = 0; i < n; i++) values[i * n + i] = 1;
        return Constant(n, n, values, "identity");
    }

    Node<T> Constant(int rows, int cols, IReadOnlyList<double> values, string name)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (rows <= 0 || cols <= 0) throw new IlgpuAeException($"{name} needs a positive shape, got [{rows}x{cols}]");
        if (values.Count != (long)rows * cols)
            throw new IlgpuAeException($"{name} [{rows}x{cols}] needs {(long)rows * cols} values, got {values.Count}");
        var stored = new T[values.Count];
        for (int i = 0; i < stored.Length; i++)
        {
            if (!double.IsFinite(values[i])) throw new IlgpuAeException($"{name} [{rows}x{cols}] holds {values[i]} at element {i}: constants must be finite");
            stored[i] = T.CreateTruncating(values[i]);
        }
        var node = NewNode(name, rows, cols, NodeKind.Constant, null, null);
        _constants[node] = stored;
        return node;
    }

    /// <summary>A [1, cols] row repeated down <paramref name="rows"/> rows (the batch unless given): [rows, cols]. Its gradient sums over the rows.</summary>
    public Node<T> BroadcastRow(Node<T> row, int? rows = null) => Add(new BroadcastRowOp<T>(row), rows ?? Batch, row.Cols);

    /// <summary>An [rows, 1] column repeated across <paramref name="cols"/> columns: [rows, cols]. Its gradient sums over the columns.</summary>
    public Node<T> BroadcastColumn(Node<T> column, int cols) => Add(new BroadcastColumnOp<T>(column), column.Rows, cols);

    /// <summary>Columns [start, start + count) of x (the features of every row): [rows, count].</summary>
    public Node<T> Slice(Node<T> x, int start, int count) => Add(new SliceOp<T>(x, start, count), x.Rows, count);

    /// <summary>a and b side by side along the features, [a | b]: [rows, a.Cols + b.Cols]; the rows must match.</summary>
    public Node<T> Concat(Node<T> a, Node<T> b) => Add(new ConcatOp<T>(a, b), a.Rows, checked(a.Cols + b.Cols));

    /// <summary>xᵀ: [cols, rows].</summary>
    public Node<T> Transpose(Node<T> x) => Add(new TransposeOp<T>(x), x.Cols, x.Rows);
}
