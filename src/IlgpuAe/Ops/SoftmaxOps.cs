using System.Numerics;
using IlgpuAe.Compute;
using IlgpuAe.Graph;

namespace IlgpuAe.Ops;

/// <summary>y[r] = ln Σ_c exp(x[r, c]) (max-subtracted), a [rows, 1] column; dx[r, c] = dy[r]·softmax(x)[r, c].</summary>
/// <param name="input">x [rows, cols].</param>
public sealed class LogSumExpOp<T>(Node<T> input) : KernelOp<T>("logsumexp", input)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>y[r] = m + ln Σ_c exp(x[r, c] − m)</summary>
    public override void Forward(Exec<T> x) => SoftmaxLaunch.LogSumExp(x.Device, x.Value(Inputs[0]), x.Value(Output), Inputs[0].Cols);

    /// <summary>dx[r, c] = beta·dx[r, c] + dy[r]·exp(x[r, c] − y[r])</summary>
    public override void Backward(Exec<T> x)
    {
        if (x.NeedsGrad(Inputs[0]))
            SoftmaxLaunch.LogSumExpBackward(x.Device, x.Value(Inputs[0]), x.Value(Output), x.Grad(Output), x.Grad(Inputs[0]), Inputs[0].Cols, x.Beta(this, 0));
    }
}

/// <summary>y[r, c] = exp(x[r, c]) / Σ_k exp(x[r, k]) (max-subtracted); dx = y ⊙ (dy − Σ_k dy·y) per row.</summary>
/// <param name="input">x [rows, cols].</param>
public sealed class SoftmaxOp<T>(Node<T> input) : KernelOp<T>("softmax", input)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Only the output: the Jacobian is written from y.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [Output];

    /// <summary>y = softmax(x) per row</summary>
    public override void Forward(Exec<T> x) => SoftmaxLaunch.Forward(x.Device, x.Value(Inputs[0]), x.Value(Output), Inputs[0].Cols);

    /// <summary>dx[r, c] = beta·dx[r, c] + y[r, c]·(dy[r, c] − Σ_k dy[r, k]·y[r, k])</summary>
    public override void Backward(Exec<T> x)
    {
        if (x.NeedsGrad(Inputs[0]))
            SoftmaxLaunch.Backward(x.Device, x.Value(Output), x.Grad(Output), x.Grad(Inputs[0]), Output.Cols, x.Beta(this, 0));
    }
}
