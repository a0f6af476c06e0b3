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

    Node<T> Pointwise(Node<T> x, PointwiseFunction f) => Add(new PointwiseOp<T>(x, f), x.Rows, x.Cols);
}
