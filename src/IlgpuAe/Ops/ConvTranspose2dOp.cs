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
public sealed class ConvTranspose2dOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly Conv2dShape _s;
    readonly Activation _activation;
    readonly T _slope;

    /// <summary>f(convT(x, W) + b) for the convolution <paramref name="shape"/> run backward; ArgumentException naming the node whose shape disagrees.</summary>
    public ConvTranspose2dOp(Node<T> x, Node<T> weight, Node<T>? bias, Conv2dShape shape, Activation activation, T slope)
        : base("conv_transpose2d", bias is null ? [x, weight] : [x, weight, bias])
    {
        Conv2dLauncher.Validate(shape);
        if (x.Rows != shape.Batch || x.Cols != (long)shape.Filters * shape.OutPlane)
            throw new ArgumentException($"conv_transpose2d of {shape} expects an input of [{shape.Batch}x{shape.Filters * shape.OutPlane}], got {x}");
        if (weight.Rows != shape.Filters || weight.Cols != shape.ColRows)
            throw new ArgumentException($"conv_transpose2d of {shape} expects a weight of [{shape.Filters}x{shape.ColRows}], got {weight}");
        if (bias is not null && (bias.Rows != 1 || bias.Cols != shape.Channels))
            throw new ArgumentException($"conv_transpose2d of {shape} expects a bias of [1x{shape.Channels}], got {bias}");
        _s = shape;
        _activation = activation;
        _slope = slope;
    }

    /// <summary>The geometry of the convolution this one transposes, batch included.</summary>
    public Conv2dShape Shape => _s;
    Node<T> X => Inputs[0];
    Node<T> W => Inputs[1];
    Node<T>? B => Inputs.Count > 2 ? Inputs[2] : null;

    /// <summary>x and W for the gradients; y for f'.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [X, W, Output];

    /// <summary>The channel-major x and Wᵀ·x before col2im.</summary>
    public override long ForwardScratch(Device device) => Conv2dLauncher.Scratch(_s);

    /// <summary>The same, plus dz = dy ⊙ f'(y) unless f is the identity.</summary>
    public override long BackwardScratch(Device device) =>
        Conv2dLauncher.Scratch(_s) + (_activation == Activation.Identity ? 0 : _s.InputLength);

    /// <summary>y = f(col2im(Wᵀ·x) + b), bias and activation in the col2im pass.</summary>
    public override void Forward(Exec<T> x) =>
        Conv2dLauncher.TransposedForward(x.Device, Conv2dLauncher.BodyFor(x.Device), _s, x.Value(X), x.Value(W),
            B is null ? default : x.Value(B), x.Value(Output), _activation, _slope, x.Scratch(this));

    /// <summary>dz = dy ⊙ f'(y), then dx, dW and db, each with its beta.</summary>
    public override void Backward(Exec<T> x)
    {
        var scratch = x.Scratch(this);
        var work = scratch.SubView(0, Conv2dLauncher.Scratch(_s));
        var dz = x.Grad(Output);
        if (_activation != Activation.Identity)
        {
            var buffer = scratch.SubView(Conv2dLauncher.Scratch(_s), _s.InputLength);
            ActivationOp<T>.LaunchBackward(x.Device, _activation, x.Value(Output), dz, buffer, _slope, T.Zero);
            dz = buffer;
        }
        bool biasGrad = B is not null && x.NeedsGrad(B);
        Conv2dLauncher.TransposedBackward(x.Device, Conv2dLauncher.BodyFor(x.Device), _s, x.Value(X), x.Value(W), dz,
            x.NeedsGrad(X) ? x.Grad(X) : default, x.NeedsGrad(X) ? x.Beta(this, 0) : T.Zero,
            x.NeedsGrad(W) ? x.Grad(W) : default, x.NeedsGrad(W) ? x.Beta(this, 1) : T.Zero,
            biasGrad ? x.Grad(B!) : default, biasGrad ? x.Beta(this, 2) : T.Zero, work);
    }
}
