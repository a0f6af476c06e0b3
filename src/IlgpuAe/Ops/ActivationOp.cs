using System.Numerics;
using IlgpuAe.Compute;
using IlgpuAe.Graph;

namespace IlgpuAe.Ops;

/// <summary>y = f(x) elementwise; backward dx = dy ⊙ f'(y), from the output alone.</summary>
/// <param name="input">x, any shape.</param>
/// <param name="activation">f.</param>
/// <param name="slope">LeakyReLU's slope or ELU's scale, ignored by the others.</param>
public sealed class ActivationOp<T>(Node<T> input, Activation activation, T slope)
    : KernelOp<T>(activation.ToString().ToLowerInvariant(), input)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Only the output: f' is written from y.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [Output];

    /// <summary>y = f(x; a)</summary>
    public override void Forward(Exec<T> x) => ActivationLaunch.Forward(x.Device, activation, x.Value(Inputs[0]), x.Value(Output), slope);

    /// <summary>dx = beta·dx + dy ⊙ f'(y)</summary>
    public override void Backward(Exec<T> x)
    {
        if (x.NeedsGrad(Inputs[0]))
            ActivationLaunch.Backward(x.Device, activation, x.Value(Output), x.Grad(Output), x.Grad(Inputs[0]), slope, x.Beta(this, 0));
    }
}
