using System.Numerics;
using IlgpuAe.Compute;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Ops;

/// <summary>
/// Max-pooling, average pooling or nearest-neighbour upsampling of NCHW images held as [B, C·H·W] nodes (the 4-D view is
/// <see cref="Pool2dShape"/>'s reading of the same memory). Pooling takes the fine grid to the coarse one, upsampling the
/// coarse to the fine. Backward: dx = dy routed to each window's first maximum (max), dy / F² over the window (average),
/// Σ dy over the F×F block (upsampling).
/// </summary>
public sealed class Pool2dOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly Pool2dShape _s;
    readonly Pool2dMode _mode;

    /// <summary><paramref name="mode"/> of <paramref name="shape"/> on x; IlgpuAeException for a shape that cannot run, ArgumentException when x disagrees.</summary>
    public Pool2dOp(Node<T> x, Pool2dShape shape, Pool2dMode mode) : base(NameOf(mode), x)
    {
        Pool2dLaunch.Validate(shape, mode);
        var (input, _) = Pool2dLaunch.Lengths(shape, mode);
        if (x.Rows != shape.Batch || (long)x.Rows * x.Cols != input)
            throw new ArgumentException($"{NameOf(mode)} {shape} expects an input of [{shape.Batch}x{input / shape.Batch}], got {x}");
        _s = shape;
        _mode = mode;
    }

    /// <summary>"max_pool2d", "avg_pool2d" or "upsample_nearest2d", as PyTorch names them.</summary>
    public static string NameOf(Pool2dMode mode) => mode switch
    {
        Pool2dMode.Max => "max_pool2d",
        Pool2dMode.Average => "avg_pool2d",
        _ => "upsample_nearest2d",
    };

    /// <summary>Columns of the output per image.</summary>
    public static int OutputCols(Pool2dShape shape, Pool2dMode mode) =>
        shape.Channels * (mode == Pool2dMode.NearestUpsample ? shape.FinePlane : shape.CoarsePlane);

    /// <summary>The geometry, batch included.</summary>
    public Pool2dShape Shape => _s;

    /// <summary>Max-pooling finds its window maxima again in x; the others' gradients need nothing but dy.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => _mode == Pool2dMode.Max ? [Inputs[0]] : [];

    /// <summary>y = pool(x) or upsample(x).</summary>
    public override void Forward(Exec<T> x) => Pool2dLaunch.Forward(x.Device, _mode, _s, x.Value(Inputs[0]), x.Value(Output));

    /// <summary>dx = beta·dx + the adjoint of the forward applied to dy.</summary>
    public override void Backward(Exec<T> x)
    {
        if (!x.NeedsGrad(Inputs[0])) return;
        Pool2dLaunch.Backward(x.Device, _mode, _s, _mode == Pool2dMode.Max ? x.Value(Inputs[0]) : default, x.Grad(Output),
            x.Grad(Inputs[0]), x.Beta(this, 0));
    }
}
