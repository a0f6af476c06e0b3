using System.Numerics;
using IlgpuAe.Compute;
using IlgpuAe.Graph;

namespace IlgpuAe.Ops;

/// <summary>
/// C = op(A)·op(B), op a transpose or not. Backward (for C = A·B): dA = dC·Bᵀ, dB = Aᵀ·dC;
/// the transposed cases swap operands so that every gradient is again one GEMM.
/// </summary>
public sealed class MatMulOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly bool _ta, _tb;

    /// <summary>op(a)·op(b); IlgpuAeException naming both nodes when the inner dimensions differ.</summary>
    public MatMulOp(Node<T> a, Node<T> b, bool transA, bool transB) : base("matmul", a, b)
    {
        _ta = transA;
        _tb = transB;
        if (K(a, transA, true) != K(b, transB, false))
            throw new IlgpuAeException($"matmul inner dimensions differ: {a.Label}{(transA ? "ᵀ" : "")} · {b.Label}{(transB ? "ᵀ" : "")}");
    }

    static int K(Node<T> n, bool trans, bool left) => left ? (trans ? n.Rows : n.Cols) : (trans ? n.Cols : n.Rows);
    /// <summary>Rows of op(a): its columns when transposed.</summary>
    public static int OutRows(Node<T> a, bool transA) => transA ? a.Cols : a.Rows;
    /// <summary>Columns of op(b): its rows when transposed.</summary>
    public static int OutCols(Node<T> b, bool transB) => transB ? b.Rows : b.Cols;

    Node<T> A => Inputs[0];
    Node<T> B => Inputs[1];
    int M => OutRows(A, _ta);
    int N => OutCols(B, _tb);
    int Kd => K(A, _ta, true);

    /// <summary>Both operands, each needed for the other's gradient.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => Inputs;

    /// <summary>C = op(A)·op(B), one GEMM.</summary>
    public override void Forward(Exec<T> x) =>
        Gemm.Run(x.Device, _ta, _tb, M, N, Kd, T.One, x.Value(A), x.Value(B), T.Zero, x.Value(Output));

    /// <summary>dA and dB as one GEMM each (dA = dC·Bᵀ, dB = Aᵀ·dC for the untransposed case).</summary>
    public override void Backward(Exec<T> x)
    {
        var dc = x.Grad(Output);
        if (x.NeedsGrad(A))
        {
            // op(A) = dC·op(B)ᵀ; if A is stored transposed, A = op(B)·dCᵀ.
            if (!_ta) Gemm.Run(x.Device, false, !_tb, M, Kd, N, T.One, dc, x.Value(B), x.Beta(this, 0), x.Grad(A));
            else Gemm.Run(x.Device, _tb, true, Kd, M, N, T.One, x.Value(B), dc, x.Beta(this, 0), x.Grad(A));
        }
        if (x.NeedsGrad(B))
        {
            // op(B) = op(A)ᵀ·dC; if B is stored transposed, B = dCᵀ·op(A).
            if (!_tb) Gemm.Run(x.Device, !_ta, false, Kd, N, M, T.One, x.Value(A), dc, x.Beta(this, 1), x.Grad(B));
            else Gemm.Run(x.Device, true, _ta, N, Kd, M, T.One, dc, x.Value(A), x.Beta(this, 1), x.Grad(B));
        }
    }
}
