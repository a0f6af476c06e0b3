using System.Numerics;
using ILGPU;
using IlgpuAe.Compute;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Ops;

/// <summary>
/// What <see cref="Conv2dOp{T}"/> and <see cref="ConvTranspose2dOp{T}"/> share: y = f(conv(x, W) + b) over one
/// <see cref="Conv2dShape"/>, x and W (and y for f') saved, the launcher's scratch, and a backward that first forms
/// dz = dy ⊙ f'(y) (unless f is the identity) and then hands dz and the three gradients, each with its beta, to the pass.
/// </summary>
public abstract class ConvOpBase<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Checks x [batch, <paramref name="inCols"/>], W [Filters, C·K·K] and b [1, <paramref name="biasCols"/>] against the shape, naming the op and the node that disagrees.</summary>
    protected ConvOpBase(string name, Node<T> x, Node<T> weight, Node<T>? bias, Conv2dShape shape, Activation activation, T slope, long inCols, int biasCols)
        : base(name, bias is null ? [x, weight] : [x, weight, bias])
    {
        Conv2dLaunch.Validate(shape);
        string of = name == "conv2d" ? $"conv2d {shape}" : $"{name} of {shape}";
        if (x.Rows != shape.Batch || x.Cols != inCols)
            throw new ArgumentException($"{of} expects an input of [{shape.Batch}x{inCols}], got {x}");
        if (weight.Rows != shape.Filters || weight.Cols != shape.ColRows)
            throw new ArgumentException($"{of} expects a weight of [{shape.Filters}x{shape.ColRows}], got {weight}");
        if (bias is not null && (bias.Rows != 1 || bias.Cols != biasCols))
            throw new ArgumentException($"{of} expects a bias of [1x{biasCols}], got {bias}");
        S = shape;
        Activation = activation;
        Slope = slope;
    }

    /// <summary>The geometry, batch included (for the transposed op, that of the convolution it transposes).</summary>
    public Conv2dShape Shape => S;
    /// <summary>The geometry.</summary>
    protected Conv2dShape S { get; }
    /// <summary>f, fused into the output pass.</summary>
    protected Activation Activation { get; }
    /// <summary>f's slope or scale.</summary>
    protected T Slope { get; }
    /// <summary>x.</summary>
    protected Node<T> X => Inputs[0];
    /// <summary>W.</summary>
    protected Node<T> W => Inputs[1];
    /// <summary>b, or null.</summary>
    protected Node<T>? B => Inputs.Count > 2 ? Inputs[2] : null;
    /// <summary>Elements of y (the buffer dz needs).</summary>
    protected abstract long OutputLength { get; }

    /// <summary>x and W for the gradients; y for f'.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [X, W, Output];

    /// <summary>The launcher's scratch on the device's body (none on a GPU's).</summary>
    public override long ForwardScratch(Device device) => Conv2dLaunch.Scratch(S, Conv2dLaunch.BodyFor(device));

    /// <summary>The same, plus dz = dy ⊙ f'(y) unless f is the identity.</summary>
    public override long BackwardScratch(Device device) => ForwardScratch(device) + (Activation == Activation.Identity ? 0 : OutputLength);

    /// <summary>The forward pass's scratch: the plan holds none for an op that declared 0.</summary>
    protected ArrayView<T> ForwardWork(Exec<T> x) => ForwardScratch(x.Device) == 0 ? default : x.Scratch(this);

    /// <summary>dz = dy ⊙ f'(y), then the pass's dx, dW and db, each with its beta.</summary>
    public override void Backward(Exec<T> x)
    {
        long workLength = ForwardScratch(x.Device);
        var scratch = BackwardScratch(x.Device) == 0 ? default : x.Scratch(this);
        var work = workLength == 0 ? default : scratch.SubView(0, workLength);
        var dz = x.Grad(Output);
        if (Activation != Activation.Identity)
        {
            var buffer = scratch.SubView(workLength, OutputLength);
            ActivationLaunch.Backward(x.Device, Activation, x.Value(Output), dz, buffer, Slope, T.Zero);
            dz = buffer;
        }
        bool biasGrad = B is not null && x.NeedsGrad(B);
        Gradients(x, dz,
            x.NeedsGrad(X) ? x.Grad(X) : default, x.NeedsGrad(X) ? x.Beta(this, 0) : T.Zero,
            x.NeedsGrad(W) ? x.Grad(W) : default, x.NeedsGrad(W) ? x.Beta(this, 1) : T.Zero,
            biasGrad ? x.Grad(B!) : default, biasGrad ? x.Beta(this, 2) : T.Zero, work);
    }

    /// <summary>The launcher's backward pass given dz; a gradient view of length 0 is not wanted.</summary>
    protected abstract void Gradients(Exec<T> x, ArrayView<T> dz, ArrayView<T> dx, T betaX, ArrayView<T> dw, T betaW, ArrayView<T> db, T betaB, ArrayView<T> work);
}
