using System.Numerics;
using ILGPU;
using IlgpuAe.Compute;
using IlgpuAe.Graph;

namespace IlgpuAe.Ops;

/// <summary>
/// y = f(x·Wᵀ + b) with W stored [out, in], as one GEMM with a fused bias+activation epilogue.
/// Backward: dz = dy ⊙ f'(y); dx = dz·W; dW = dzᵀ·x; db = Σ_rows dz.
/// </summary>
public sealed class LinearOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly Activation _activation;
    readonly T _slope;

    /// <summary>f(x·Wᵀ + b) for x [rows, in], W [out, in], b [1, out] or null; IlgpuAeException naming both nodes when the shapes disagree.</summary>
    public LinearOp(Node<T> x, Node<T> weight, Node<T>? bias, Activation activation, T slope)
        : base("linear", bias is null ? [x, weight] : [x, weight, bias])
    {
        if (weight.Cols != x.Cols)
            throw new IlgpuAeException($"linear layer {weight.Label} expects {weight.Cols} input features, got {x.Label}");
        if (bias is not null && (bias.Rows != 1 || bias.Cols != weight.Rows))
            throw new IlgpuAeException($"bias {bias.Label} does not match the {weight.Rows} outputs of {weight.Label}");
        _activation = activation;
        _slope = slope;
    }

    Node<T> X => Inputs[0];
    Node<T> W => Inputs[1];
    Node<T>? B => Inputs.Count > 2 ? Inputs[2] : null;

    /// <summary>x, W and y (f' is written from y); b is not needed.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [X, W, Output];

    /// <summary>dz = dy ⊙ f'(y), output-sized, unless f is the identity (then dz is dy itself).</summary>
    public override long BackwardScratch(Device device) => _activation == Activation.Identity ? 0 : Output.Length;

    /// <summary>y = f(x·Wᵀ + b), one GEMM with the bias and activation in its epilogue.</summary>
    public override void Forward(Exec<T> x) =>
        Gemm.Run(x.Device, false, true, X.Rows, W.Rows, W.Cols, T.One, x.Value(X), x.Value(W), T.Zero, x.Value(Output),
            B is null ? default : x.Value(B), _activation, _slope);

    /// <summary>dz = dy ⊙ f'(y); dx = dz·W; dW = dzᵀ·x; db = Σ_rows dz (each accumulated with its beta).</summary>
    public override void Backward(Exec<T> x)
    {
        int rows = X.Rows, outs = W.Rows, ins = W.Cols;
        ArrayView<T> dz = x.Grad(Output);
        if (_activation != Activation.Identity)
        {
            var scratch = x.Scratch(this);
            ActivationLaunch.Backward(x.Device, _activation, x.Value(Output), dz, scratch, _slope, T.Zero);
            dz = scratch;
        }
        if (x.NeedsGrad(X))
            Gemm.Run(x.Device, false, false, rows, ins, outs, T.One, dz, x.Value(W), x.Beta(this, 0), x.Grad(X));
        bool biasGrad = B is not null && x.NeedsGrad(B);
        // db = Σ_rows dz rides in the dW launch where the GEMM body can (one launch fewer per layer); else its own launch.
        bool fused = x.NeedsGrad(W) && biasGrad &&
            Gemm.TryRunWithRowSums(x.Device, true, false, outs, ins, rows, T.One, dz, x.Value(X), x.Beta(this, 1), x.Grad(W),
                x.Grad(B!), x.Beta(this, 2));
        if (x.NeedsGrad(W) && !fused)
            Gemm.Run(x.Device, true, false, outs, ins, rows, T.One, dz, x.Value(X), x.Beta(this, 1), x.Grad(W));
        if (biasGrad && !fused)
            ColumnSums(x, dz, x.Grad(B!), rows, T.One, x.Beta(this, 2));
    }
}
