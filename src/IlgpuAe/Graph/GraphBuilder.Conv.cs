using System.Numerics;
using IlgpuAe.Kernels;
using IlgpuAe.Ops;

namespace IlgpuAe.Graph;

// Convolutions: nodes stay [B, C·H·W]; the shape says how the columns are an NCHW image.
public sealed partial class GraphBuilder<T>
{
    /// <summary>f(conv2d(x, W) + b) for x [B, C·H·W] read as NCHW; the output [B, O·OH·OW]. W [O, C·K·K], b [1, O] or absent.</summary>
    public Node<T> Conv2d(Node<T> x, Conv2dShape shape, Parameter<T> weight, Parameter<T>? bias, Activation activation = Activation.Identity, double? slope = null) =>
        Add(new Conv2dOp<T>(x, Param(weight), bias is null ? null : Param(bias), shape, activation, T.CreateTruncating(slope ?? DefaultSlope(activation))),
            x.Rows, shape.Filters * shape.OutPlane);

    /// <summary>
    /// f(convT(x, W) + b), the transposed convolution of <paramref name="shape"/>: x [B, Filters·OH·OW] to [B, Channels·H·W].
    /// W [Filters, Channels·K·K] (PyTorch's [in, out, K, K]), b [1, Channels] or absent.
    /// </summary>
    public Node<T> ConvTranspose2d(Node<T> x, Conv2dShape shape, Parameter<T> weight, Parameter<T>? bias, Activation activation = Activation.Identity, double? slope = null) =>
        Add(new ConvTranspose2dOp<T>(x, Param(weight), bias is null ? null : Param(bias), shape, activation, T.CreateTruncating(slope ?? DefaultSlope(activation))),
            x.Rows, shape.Channels * shape.InPlane);
}
