using System.Numerics;
using IlgpuAe.Compute;
using IlgpuAe.Graph;

namespace IlgpuAe.Ops;

/// <summary>y[r] = scale·Σ_c x[r, c], a [rows, 1] column (scale 1/cols: row means); dx[r, c] = scale·dy[r].</summary>
/// <param name="input">x [rows, cols].</param>
/// <param name="scale">Factor on each sum.</param>
public sealed class RowSumsOp<T>(Node<T> input, T scale) : KernelOp<T>("row-sums", input)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Nothing: each element of a row gets scale·dy of its row.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [];

    /// <summary>y[r] = scale·Σ_c x[r, c]</summary>
    public override void Forward(Exec<T> x) => ReductionLaunch.RowSums(x.Device, x.Value(Inputs[0]), x.Value(Output), Inputs[0].Cols, scale, T.Zero);

    /// <summary>dx[r, c] = beta·dx[r, c] + scale·dy[r]</summary>
    public override void Backward(Exec<T> x)
    {
        if (x.NeedsGrad(Inputs[0])) BroadcastLaunch.Column(x.Device, x.Grad(Output), x.Grad(Inputs[0]), Inputs[0].Cols, scale, x.Beta(this, 0));
    }
}

/// <summary>y[c] = scale·Σ_r x[r, c], a [1, cols] row (scale 1/rows: column means); dx[r, c] = scale·dy[c].</summary>
/// <param name="input">x [rows, cols].</param>
/// <param name="scale">Factor on each sum.</param>
public sealed class ColumnSumsOp<T>(Node<T> input, T scale) : KernelOp<T>("column-sums", input)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Nothing: each element of a column gets scale·dy of its column.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [];

    /// <summary>y[c] = scale·Σ_r x[r, c]</summary>
    public override void Forward(Exec<T> x) => ColumnSums(x, x.Value(Inputs[0]), x.Value(Output), Inputs[0].Rows, scale, T.Zero);

    /// <summary>dx[r, c] = beta·dx[r, c] + scale·dy[c]</summary>
    public override void Backward(Exec<T> x)
    {
        if (x.NeedsGrad(Inputs[0])) BroadcastLaunch.Row(x.Device, x.Grad(Output), x.Grad(Inputs[0]), scale, x.Beta(this, 0));
    }
}

/// <summary>y[r, c] = v[c]: a [1, cols] row repeated over <c>rows</c> rows; dv[c] = Σ_r dy[r, c].</summary>
public sealed class BroadcastRowOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>v repeated down the rows; IlgpuAeException naming the node when v is not a single row.</summary>
    public BroadcastRowOp(Node<T> row) : base("broadcast-row", row)
    {
        if (row.Rows != 1) throw new IlgpuAeException($"broadcast-row needs a [1xC] row, got {row.Label}");
    }

    /// <summary>Nothing: the gradient is the column sums of dy.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [];

    /// <summary>y[r, c] = v[c]</summary>
    public override void Forward(Exec<T> x) => BroadcastLaunch.Row(x.Device, x.Value(Inputs[0]), x.Value(Output), T.One, T.Zero);

    /// <summary>dv[c] = beta·dv[c] + Σ_r dy[r, c]</summary>
    public override void Backward(Exec<T> x)
    {
        if (x.NeedsGrad(Inputs[0])) ColumnSums(x, x.Grad(Output), x.Grad(Inputs[0]), Output.Rows, T.One, x.Beta(this, 0));
    }
}

/// <summary>y[r, c] = v[r]: a [rows, 1] column repeated across <c>cols</c> columns; dv[r] = Σ_c dy[r, c].</summary>
public sealed class BroadcastColumnOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>v repeated across the columns; IlgpuAeException naming the node when v is not a single column.</summary>
    public BroadcastColumnOp(Node<T> column) : base("broadcast-column", column)
    {
        if (column.Cols != 1) throw new IlgpuAeException($"broadcast-column needs an [Rx1] column, got {column.Label}");
    }

    /// <summary>Nothing: the gradient is the row sums of dy.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [];

    /// <summary>y[r, c] = v[r]</summary>
    public override void Forward(Exec<T> x) => BroadcastLaunch.Column(x.Device, x.Value(Inputs[0]), x.Value(Output), Output.Cols, T.One, T.Zero);

    /// <summary>dv[r] = beta·dv[r] + Σ_c dy[r, c]</summary>
    public override void Backward(Exec<T> x)
    {
        if (x.NeedsGrad(Inputs[0])) ReductionLaunch.RowSums(x.Device, x.Grad(Output), x.Grad(Inputs[0]), Output.Cols, T.One, x.Beta(this, 0));
    }
}
