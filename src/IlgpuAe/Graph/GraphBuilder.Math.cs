using System.Numerics;
using IlgpuAe.Kernels;
using IlgpuAe.Ops;

namespace IlgpuAe.Graph;

// Elementwise math of the op vocabulary: the pointwise functions, and the forms written from existing ops.
public sealed partial class GraphBuilder<T>
{
    /// <summary>eˣ elementwise.</summary>
    public Node<T> Exp(Node<T> x) => Pointwise(x, PointwiseFunction.Exp);

    /// <summary>ln x elementwise (x must be positive: a non-positive element gives NaN or −∞, which the trainer's guard reports).</summary>
    public Node<T> Log(Node<T> x) => Pointwise(x, PointwiseFunction.Log);

    /// <summary>|x| elementwise; its gradient at exactly 0 is 0.</summary>
    public Node<T> Abs(Node<T> x) => Pointwise(x, PointwiseFunction.Abs);

    /// <summary>x² elementwise (one launch; <c>Mul(x, x)</c> is two in backward).</summary>
    public Node<T> Square(Node<T> x) => Pointwise(x, PointwiseFunction.Square);

    /// <summary>√x elementwise (x ≥ 0; the gradient at 0 is infinite).</summary>
    public Node<T> Sqrt(Node<T> x) => Pointwise(x, PointwiseFunction.Sqrt);

    /// <summary>a − b elementwise (shapes must match): a + (−1)·b.</summary>
    public Node<T> Subtract(Node<T> a, Node<T> b) => Add(a, Negate(b));

    /// <summary>−x elementwise.</summary>
    public Node<T> Negate(Node<T> x) => Scale(x, -1);

    /// <summary>The mean of every element: a [1, 1] scalar.</summary>
    public Node<T> Mean(Node<T> x) => Sum(x, 1.0 / x.Length);

    /// <summary>Σ_c x[r, c] for each row: an [rows, 1] column.</summary>
    public Node<T> RowSums(Node<T> x) => Add(new RowSumsOp<T>(x, T.One), x.Rows, 1);

    /// <summary>Σ_r x[r, c] for each column (over the batch): a [1, cols] row.</summary>
    public Node<T> ColumnSums(Node<T> x) => Add(new ColumnSumsOp<T>(x, T.One), 1, x.Cols);

    /// <summary>The mean of each row: an [rows, 1] column.</summary>
    public Node<T> RowMeans(Node<T> x) => Add(new RowSumsOp<T>(x, T.CreateTruncating(1.0 / x.Cols)), x.Rows, 1);

    /// <summary>The mean of each column (over the batch): a [1, cols] row.</summary>
    public Node<T> ColumnMeans(Node<T> x) => Add(new ColumnSumsOp<T>(x, T.CreateTruncating(1.0 / x.Rows)), 1, x.Cols);

    /// <summary>ln Σ_c exp(x[r, c]) for each row, computed as m + ln Σ_c exp(x[r, c] − m) with m the row's maximum (no overflow): an [rows, 1] column.</summary>
    public Node<T> RowLogSumExp(Node<T> x) => Add(new LogSumExpOp<T>(x), x.Rows, 1);

    /// <summary>The softmax of each row, exp(x[r, c] − m) / Σ_k exp(x[r, k] − m) with m the row's maximum: the shape of x, each row summing to 1.</summary>
    public Node<T> RowSoftmax(Node<T> x) => Add(new SoftmaxOp<T>(x), x.Rows, x.Cols);

    Node<T> Pointwise(Node<T> x, PointwiseFunction f) => Add(new PointwiseOp<T>(x, f), x.Rows, x.Cols);
}
