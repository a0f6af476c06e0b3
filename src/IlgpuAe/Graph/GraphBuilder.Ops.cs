using System.Numerics;
using IlgpuAe.Ops;

namespace IlgpuAe.Graph;

// The op vocabulary: what a model or a custom objective writes.
public sealed partial class GraphBuilder<T>
{
    /// <summary>f(x·Wᵀ + b) in one fused GEMM; W is [out, in], b is [1, out] or absent.</summary>
    public Node<T> Linear(Node<T> x, Parameter<T> weight, Parameter<T>? bias, Activation activation = Activation.Identity, double? slope = null) =>
        Add(new LinearOp<T>(x, Param(weight), bias is null ? null : Param(bias), activation, T.CreateTruncating(slope ?? DefaultSlope(activation))), x.Rows, weight.Rows);

    /// <summary>LeakyReLU's negative slope 0.01 and ELU's scale 1 unless the caller says otherwise.</summary>
    public static double DefaultSlope(Activation activation) => activation == Activation.Elu ? 1.0 : 0.01;

    /// <summary>op(a)·op(b).</summary>
    public Node<T> MatMul(Node<T> a, Node<T> b, bool transA = false, bool transB = false) =>
        Add(new MatMulOp<T>(a, b, transA, transB), MatMulOp<T>.OutRows(a, transA), MatMulOp<T>.OutCols(b, transB));

    /// <summary>f(x) elementwise; <paramref name="slope"/> is LeakyReLU's slope or ELU's scale.</summary>
    public Node<T> Apply(Node<T> x, Activation activation, double? slope = null) =>
        Add(new ActivationOp<T>(x, activation, T.CreateTruncating(slope ?? DefaultSlope(activation))), x.Rows, x.Cols);

    /// <summary>a + b elementwise; the shapes must match (ArgumentException otherwise).</summary>
    public Node<T> Add(Node<T> a, Node<T> b) => Add(new AddOp<T>(a, b), a.Rows, a.Cols);

    /// <summary>a·b elementwise (Hadamard); the shapes must match (ArgumentException otherwise).</summary>
    public Node<T> Mul(Node<T> a, Node<T> b) => Add(new MulOp<T>(a, b), a.Rows, a.Cols);

    /// <summary>s·x elementwise, s a constant.</summary>
    public Node<T> Scale(Node<T> x, double s) => Add(new ScaleOp<T>(x, T.CreateTruncating(s)), x.Rows, x.Cols);

    /// <summary>scale·(sum of every element): a [1, 1] scalar.</summary>
    public Node<T> Sum(Node<T> x, double scale = 1) => Add(new SumOp<T>(x, T.CreateTruncating(scale)), 1, 1);

    /// <summary>Sum of squares of every element, a common penalty.</summary>
    public Node<T> SumOfSquares(Node<T> x) => Sum(Mul(x, x));

    /// <summary>Per-row reconstruction loss summed over features, averaged over rows: a [1, 1] scalar.</summary>
    public Node<T> ReconstructionLoss(Node<T> prediction, Node<T> target, Reconstruction kind) =>
        Add(new RowLossOp<T>(prediction, target, kind), 1, 1);
}
