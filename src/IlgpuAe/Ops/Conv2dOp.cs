using System.Numerics;
using ILGPU;
using IlgpuAe.Compute;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Ops;

/// <summary>
/// y = f(conv2d(x, W) + b) on NCHW images. x is the node [B, C·H·W] and y [B, O·OH·OW]: the 4-D view is the same
/// memory read through <see cref="Conv2dShape"/>, so flattening for a dense layer (or unflattening after one) costs nothing,
/// in PyTorch's order. W [O, C·K·K] is nn.Conv2d's weight [O, C, K, K] flattened; b [1, O].
/// Backward: dz = dy ⊙ f'(y); dW = dz·colᵀ, db = Σ dz, dx = col2im(Wᵀ·dz) (<see cref="Conv2dLaunch.Backward{T}"/>).
/// </summary>
public sealed class Conv2dOp<T> : ConvOpBase<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>f(conv2d(x, W) + b) of shape <paramref name="shape"/>; ArgumentException naming the node whose shape disagrees.</summary>
    public Conv2dOp(Node<T> x, Node<T> weight, Node<T>? bias, Conv2dShape shape, Activation activation, T slope)
        : base("conv2d", x, weight, bias, shape, activation, slope, (long)shape.Channels * shape.InPlane, shape.Filters) { }

    /// <summary>y is the convolution's output side.</summary>
    protected override long OutputLength => S.OutputLength;

    /// <summary>y = f(W·im2col(x) + b).</summary>
    public override void Forward(Exec<T> x) =>
        Conv2dLaunch.Forward(x.Device, Conv2dLaunch.BodyFor(x.Device), S, x.Value(X), x.Value(W),
            B is null ? default : x.Value(B), x.Value(Output), Activation, Slope, ForwardWork(x));

    /// <summary>dW = dz·colᵀ, db = Σ dz, dx = col2im(Wᵀ·dz).</summary>
    protected override void Gradients(Exec<T> x, ArrayView<T> dz, ArrayView<T> dx, T betaX, ArrayView<T> dw, T betaW, ArrayView<T> db, T betaB, ArrayView<T> work) =>
        Conv2dLaunch.Backward(x.Device, Conv2dLaunch.BodyFor(x.Device), S, x.Value(X), x.Value(W), dz, dx, betaX, dw, betaW, db, betaB, work);
}
