using System.Numerics;
using ILGPU;
using IlgpuAe.Compute;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Ops;

/// <summary>
/// y = f(convT(x, W) + b), the transposed convolution (a decoder's upsampling) of the convolution <see cref="Conv2dShape"/>
/// names: x [B, Filters·OH·OW] is that convolution's output side, y [B, Channels·H·W] its input side. W [Filters, Channels·K·K]
/// is PyTorch's ConvTranspose2d weight [in, out, K, K] flattened; b [1, Channels].
/// Backward: dz = dy ⊙ f'(y); dx = W·im2col(dz) (a convolution), dW = x·im2col(dz)ᵀ, db = Σ dz.
/// </summary>
public sealed class ConvTranspose2dOp<T> : ConvOpBase<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>f(convT(x, W) + b) for the convolution <paramref name="shape"/> run backward; ArgumentException naming the node whose shape disagrees.</summary>
    public ConvTranspose2dOp(Node<T> x, Node<T> weight, Node<T>? bias, Conv2dShape shape, Activation activation, T slope)
        : base("conv_transpose2d", x, weight, bias, shape, activation, slope, (long)shape.Filters * shape.OutPlane, shape.Channels) { }

    /// <summary>y is the convolution's input side.</summary>
    protected override long OutputLength => S.InputLength;

    /// <summary>y = f(col2im(Wᵀ·x) + b), bias and activation in the col2im pass.</summary>
    public override void Forward(Exec<T> x) =>
        Conv2dLaunch.TransposedForward(x.Device, Conv2dLaunch.BodyFor(x.Device), S, x.Value(X), x.Value(W),
            B is null ? default : x.Value(B), x.Value(Output), Activation, Slope, ForwardWork(x));

    /// <summary>dx = W·im2col(dz), dW = x·im2col(dz)ᵀ, db = Σ dz.</summary>
    protected override void Gradients(Exec<T> x, ArrayView<T> dz, ArrayView<T> dx, T betaX, ArrayView<T> dw, T betaW, ArrayView<T> db, T betaB, ArrayView<T> work) =>
        Conv2dLaunch.TransposedBackward(x.Device, Conv2dLaunch.BodyFor(x.Device), S, x.Value(X), x.Value(W), dz, dx, betaX, dw, betaW, db, betaB, work);
}
