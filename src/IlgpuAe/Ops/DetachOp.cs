using System.Numerics;
using ILGPU;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Ops;

/// <summary>y = sg(x): forward the identity, backward nothing (the gradient stops here).</summary>
/// <param name="input">x.</param>
public sealed class DetachOp<T>(Node<T> input) : KernelOp<T>("detach", input) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>True: no gradient flows from y to x.</summary>
    public override bool StopsGradient => true;

    /// <summary>Nothing: there is no backward.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [];

    /// <summary>y = x; while the plan holds detached values (<see cref="Exec{T}.HoldsDetached"/>) y keeps the value of the pass before.</summary>
    public override void Forward(Exec<T> x)
    {
        if (x.HoldsDetached) return;
        var loop = x.Device.LoopFor(Output.Length);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>>(ElementwiseKernels.Copy)(loop.Threads, loop, x.Value(Inputs[0]), x.Value(Output));
    }

    /// <summary>Never called: the output of a gradient-stopping op takes no gradient.</summary>
    public override void Backward(Exec<T> x) { }
}
