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
/// Backward: dz = dy ⊙ f'(y); dW = dz·colᵀ, db = Σ dz, dx = col2im(Wᵀ·dz) (<see cref="Conv2dLauncher.Backward{T}"/>).
/// </summary>
public sealed class Conv2dOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly Conv2dShape _s;
    readonly Activation _activation;
    readonly T _slope;

    /// <summary>f(conv2d(x, W) + b) of shape <paramref name="shape"/>; ArgumentException naming the node whose shape disagrees.</summary>
    public Conv2dOp(Node<T> x, Node<T> weight, Node<T>? bias, Conv2dShape shape, Activation activation, T slope)
        : base("conv2d", bias is null ? [x, weight] : [x, weight, bias])
    {
        Conv2dLauncher.Validate(shape);
        if (x.Rows != shape.Batch || x.Cols != (long)shape.Channels * shape.InPlane)
            throw new ArgumentException($"conv2d {shape} expects an input of [{shape.Batch}x{shape.Channels * shape.InPlane}], got {x}");
        if (weight.Rows != shape.Filters || weight.Cols != shape.ColRows)
            throw new ArgumentException($"conv2d {shape} expects a weight of [{shape.Filters}x{shape.ColRows}], got {weight}");
        if (bias is not null && (bias.Rows != 1 || bias.Cols != shape.Filters))
            throw new ArgumentException($"conv2d {shape} expects a bias of [1x{shape.Filters}], got {bias}");
        _s = shape;
        _activation = activation;
        _slope = slope;
    }

    /// <summary>The geometry, batch included.</summary>
    public Conv2dShape Shape => _s;
    Node<T> X => Inputs[0];
    Node<T> W => Inputs[1];
    Node<T>? B => Inputs.Count > 2 ? Inputs[2] : null;

    /// <summary>x and W for the gradients; y for f'.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [X, W, Output];

    /// <summary>im2col plus W·col before the reordering epilogue.</summary>
    public override long ForwardScratch(Device device) => Conv2dLauncher.Scratch(_s);

    /// <summary>The same, plus dz = dy ⊙ f'(y) unless f is the identity.</summary>
    public override long BackwardScratch(Device device) =>
        Conv2dLauncher.Scratch(_s) + (_activation == Activation.Identity ? 0 : _s.OutputLength);

    /// <summary>y = f(W·im2col(x) + b).</summary>
    public override void Forward(Exec<T> x) =>
        Conv2dLauncher.Forward(x.Device, Conv2dLauncher.BodyFor(x.Device), _s, x.Value(X), x.Value(W),
            B is null ? default : x.Value(B), x.Value(Output), _activation, _slope, x.Scratch(this));

    /// <summary>dz = dy ⊙ f'(y), then dW, db and dx, each with its beta.</summary>
    public override void Backward(Exec<T> x)
    {
        var scratch = x.Scratch(this);
        var work = scratch.SubView(0, Conv2dLauncher.Scratch(_s));
        var dz = x.Grad(Output);
        if (_activation != Activation.Identity)
        {
            var buffer = scratch.SubView(Conv2dLauncher.Scratch(_s), _s.OutputLength);
            ActivationOp<T>.LaunchBackward(x.Device, _activation, x.Value(Output), dz, buffer, _slope, T.Zero);
            dz = buffer;
        }
        bool biasGrad = B is not null && x.NeedsGrad(B);
        Conv2dLauncher.Backward(x.Device, Conv2dLauncher.BodyFor(x.Device), _s, x.Value(X), x.Value(W), dz,
            x.NeedsGrad(X) ? x.Grad(X) : default, x.NeedsGrad(X) ? x.Beta(this, 0) : T.Zero,
            x.NeedsGrad(W) ? x.Grad(W) : default, x.NeedsGrad(W) ? x.Beta(this, 1) : T.Zero,
            biasGrad ? x.Grad(B!) : default, biasGrad ? x.Beta(this, 2) : T.Zero, work);
    }
}
