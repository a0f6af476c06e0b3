using System.Numerics;
using IlgpuAe.Compute;
using IlgpuAe.Kernels;
using IlgpuAe.Ops;

namespace IlgpuAe.Graph;

// Pooling and upsampling: nodes stay [B, C·H·W]; the shape says how the columns are an NCHW image.
public sealed partial class GraphBuilder<T>
{
    /// <summary>F×F max-pooling (stride F) of x [B, C·H·W] to [B, C·⌊H/F⌋·⌊W/F⌋]; F = 2 is nn.MaxPool2d(2).</summary>
    public Node<T> MaxPool2d(Node<T> x, int channels, int height, int width, int factor = 2) =>
        Pool2d(x, new Pool2dShape(x.Rows, channels, height, width, factor), Pool2dMode.Max);

    /// <summary>F×F average pooling (stride F) of x [B, C·H·W] to [B, C·⌊H/F⌋·⌊W/F⌋]; F = 2 is nn.AvgPool2d(2).</summary>
    public Node<T> AvgPool2d(Node<T> x, int channels, int height, int width, int factor = 2) =>
        Pool2d(x, new Pool2dShape(x.Rows, channels, height, width, factor), Pool2dMode.Average);

    /// <summary>Nearest-neighbour upsampling by F of x [B, C·H·W] to [B, C·FH·FW]: nn.Upsample(scale_factor=F, mode="nearest").</summary>
    public Node<T> UpsampleNearest2d(Node<T> x, int channels, int height, int width, int factor = 2) =>
        Pool2d(x, Pool2dShape.Upsampling(x.Rows, channels, height, width, factor), Pool2dMode.NearestUpsample);

    /// <summary><paramref name="mode"/> of <paramref name="shape"/> (batch included) on x.</summary>
    public Node<T> Pool2d(Node<T> x, Pool2dShape shape, Pool2dMode mode) =>
        Add(new Pool2dOp<T>(x, shape, mode), x.Rows, Pool2dOp<T>.OutputCols(shape, mode));
}
