using System.Numerics;
using ILGPU;
using IlgpuAe.Compute;
using IlgpuAe.Graph;

namespace IlgpuAe.Ops;

/// <summary>
/// loss = (1/rows)·Σ_rows Σ_cols ℓ(pred, target): summed over features, averaged over the batch,
/// so a term reads "per image". The target gets no gradient.
/// Backward recomputes ℓ' from pred and target rather than storing it: one pass either way.
/// </summary>
public sealed class RowLossOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly Reconstruction _kind;

    /// <summary>The batch mean of the per-image <paramref name="kind"/> loss; ArgumentException when the shapes differ. <paramref name="pred"/> are logits for BCE.</summary>
    public RowLossOp(Node<T> pred, Node<T> target, Reconstruction kind) : base(kind.ToString().ToLowerInvariant(), pred, target)
    {
        Shapes.Same(pred, target, Name);
        _kind = kind;
    }

    Node<T> Pred => Inputs[0];
    Node<T> Target => Inputs[1];

    /// <summary>Prediction and target; the gradient is recomputed from them.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => Inputs;

    /// <summary>One loss per row before the batch mean.</summary>
    public override long ForwardScratch(Device device) => Pred.Rows;

    /// <summary>The prediction: its gradient ℓ'(pred, target) reads what the row losses read.</summary>
    public override IReadOnlyList<int> GradientInForward => [0];

    /// <summary>
    /// loss = (1/rows)·Σ_r ℓ_r, ℓ_r the row's BCE-with-logits or squared error summed over features; where the plan fuses the
    /// gradient, dpred = (dobjective/dloss/rows)·ℓ'(pred, target) in the same launch as the row losses.
    /// </summary>
    public override void Forward(Exec<T> x)
    {
        var rowLoss = x.Scratch(this);
        T scale = T.One / T.CreateTruncating(Pred.Rows);
        if (x.GradientInForward(this))
        {
            T gs = x.TermGradient(Output) * scale;
            if (_kind == Reconstruction.Bce) LossLaunch.BceValueAndGrad(x.Device, x.Value(Pred), x.Value(Target), rowLoss, x.Grad(Pred), Pred.Cols, gs);
            else LossLaunch.MseValueAndGrad(x.Device, x.Value(Pred), x.Value(Target), rowLoss, x.Grad(Pred), Pred.Cols, gs);
        }
        else if (_kind == Reconstruction.Bce) LossLaunch.BceForward(x.Device, x.Value(Pred), x.Value(Target), rowLoss, Pred.Cols);
        else LossLaunch.MseForward(x.Device, x.Value(Pred), x.Value(Target), rowLoss, Pred.Cols);
        SumToScalar(x, rowLoss, x.Value(Output), scale);
    }

    /// <summary>dpred = beta·dpred + (dloss/rows)·ℓ'(pred, target); the target gets no gradient.</summary>
    public override void Backward(Exec<T> x)
    {
        if (!x.NeedsGrad(Pred)) return;
        T scale = T.One / T.CreateTruncating(Pred.Rows);
        if (_kind == Reconstruction.Bce)
            LossLaunch.BceBackward(x.Device, x.Value(Pred), x.Value(Target), x.Grad(Output), x.Grad(Pred), scale, x.Beta(this, 0));
        else
            LossLaunch.MseBackward(x.Device, x.Value(Pred), x.Value(Target), x.Grad(Output), x.Grad(Pred), scale, x.Beta(this, 0));
    }
}
