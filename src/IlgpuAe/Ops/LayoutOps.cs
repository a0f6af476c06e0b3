using System.Numerics;
using IlgpuAe.Compute;
using IlgpuAe.Graph;

namespace IlgpuAe.Ops;

/// <summary>y = columns [start, start + count) of x; dx is dy in those columns and 0 elsewhere.</summary>
public sealed class SliceOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly int _start, _count;

    /// <summary>Columns [start, start + count) of x; IlgpuAeException naming x when the range is empty or outside it.</summary>
    public SliceOp(Node<T> x, int start, int count) : base("slice", x)
    {
        if (start < 0 || count <= 0 || (long)start + count > x.Cols)
            throw new IlgpuAeException($"slice needs columns [start, start + count) inside 0..{x.Cols}, got start {start} and count {count} of {x.Label}");
        (_start, _count) = (start, count);
    }

    /// <summary>Nothing: the gradient is dy put back in place.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [];

    /// <summary>y[r, c] = x[r, start + c]</summary>
    public override void Forward(Exec<T> x) => LayoutLaunch.Columns(x.Device, x.Value(Inputs[0]), x.Value(Output), Inputs[0].Cols, _start, _count, T.Zero);

    /// <summary>dx[r, j] = beta·dx[r, j] + (j in the slice ? dy[r, j − start] : 0)</summary>
    public override void Backward(Exec<T> x)
    {
        if (x.NeedsGrad(Inputs[0]))
            LayoutLaunch.PlaceColumns(x.Device, x.Grad(Output), x.Grad(Inputs[0]), _count, _start, Inputs[0].Cols, x.Beta(this, 0));
    }
}

/// <summary>y = [a | b] along the features (equal rows); da and db are the two column blocks of dy.</summary>
public sealed class ConcatOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>[a | b]; IlgpuAeException naming both nodes when their rows differ.</summary>
    public ConcatOp(Node<T> a, Node<T> b) : base("concat", a, b)
    {
        if (a.Rows != b.Rows) throw new IlgpuAeException($"concat needs equal rows, got {a.Label} and {b.Label}");
    }

    /// <summary>Nothing: the gradients are slices of dy.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [];

    /// <summary>y[r, c] = c &lt; aCols ? a[r, c] : b[r, c − aCols]</summary>
    public override void Forward(Exec<T> x) =>
        LayoutLaunch.Concat(x.Device, x.Value(Inputs[0]), x.Value(Inputs[1]), x.Value(Output), Inputs[0].Cols, Inputs[1].Cols);

    /// <summary>da = beta·da + dy[:, :aCols], db = beta·db + dy[:, aCols:] (Concat(x, x) accumulates both into dx)</summary>
    public override void Backward(Exec<T> x)
    {
        int aCols = Inputs[0].Cols;
        if (x.NeedsGrad(Inputs[0])) LayoutLaunch.Columns(x.Device, x.Grad(Output), x.Grad(Inputs[0]), Output.Cols, 0, aCols, x.Beta(this, 0));
        if (x.NeedsGrad(Inputs[1])) LayoutLaunch.Columns(x.Device, x.Grad(Output), x.Grad(Inputs[1]), Output.Cols, aCols, Inputs[1].Cols, x.Beta(this, 1));
    }
}

/// <summary>y = xᵀ ([cols, rows]); dx = dyᵀ.</summary>
/// <param name="input">x [rows, cols].</param>
public sealed class TransposeOp<T>(Node<T> input) : KernelOp<T>("transpose", input)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Nothing: the gradient is dy transposed back.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [];

    /// <summary>y[c, r] = x[r, c]</summary>
    public override void Forward(Exec<T> x) => LayoutLaunch.Transpose(x.Device, x.Value(Inputs[0]), x.Value(Output), Inputs[0].Rows, Inputs[0].Cols, T.Zero);

    /// <summary>dx[r, c] = beta·dx[r, c] + dy[c, r]</summary>
    public override void Backward(Exec<T> x)
    {
        if (x.NeedsGrad(Inputs[0])) LayoutLaunch.Transpose(x.Device, x.Grad(Output), x.Grad(Inputs[0]), Inputs[0].Cols, Inputs[0].Rows, x.Beta(this, 0));
    }
}
