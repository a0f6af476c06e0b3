using System.Numerics;
using ILGPU;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Ops;

/// <summary>
/// ε ~ N(0, I) of shape [rows, cols] from Philox(seed, stream(op, step), element): the same ε for
/// the same seed and step, so a run repeats and a gradient check that holds the step holds ε.
/// It has no inputs and so never takes part in the backward pass.
/// </summary>
public sealed class NoiseOp<T>(int stream) : StochasticOp<T>("noise")
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public override IEnumerable<Node<T>> SavedForBackward => [];

    public override void Forward(Exec<T> x)
    {
        var loop = x.Device.LoopFor(Output.Length);
        x.Device.Load<Loop, ArrayView<T>, ulong, ulong, T, T>(RandomKernels.Normal)(
            loop.Threads, loop, x.Value(Output), x.Seed, StreamFor(stream, x.Step), T.Zero, T.One);
    }

    public override void Backward(Exec<T> x) { }
}

/// <summary>z = μ + e^{½logσ²}·ε (diagonal posterior); ε is an input that gets no gradient.</summary>
public sealed class ReparameterizeDiagonalOp<T> : StochasticOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public ReparameterizeDiagonalOp(Node<T> mean, Node<T> logVar, Node<T> eps) : base("reparameterize", mean, logVar, eps)
    {
        Shapes.Same(mean, logVar, Name);
        Shapes.Same(mean, eps, Name);
    }

    public override IEnumerable<Node<T>> SavedForBackward => [Inputs[1], Inputs[2]];

    public override long BackwardScratch(Device device) => ScatterScratch(0, 1);

    public override void Forward(Exec<T> x)
    {
        var loop = x.Device.LoopFor(Output.Length);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>>(SamplingKernels.DiagonalForward)(
            loop.Threads, loop, x.Value(Inputs[0]), x.Value(Inputs[1]), x.Value(Inputs[2]), x.Value(Output));
    }

    public override void Backward(Exec<T> x)
    {
        var loop = x.Device.LoopFor(Output.Length);
        var k = x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T>(SamplingKernels.DiagonalBackward);
        Scatter(x, x.Scratch(this), [0, 1],
            (d, beta) => k(loop.Threads, loop, x.Value(Inputs[1]), x.Value(Inputs[2]), x.Grad(Output), d[0], d[1], beta));
    }
}

/// <summary>z = μ + L·ε (full covariance LLᵀ), L [rows, dim·dim] lower-triangular; ε gets no gradient.</summary>
public sealed class ReparameterizeFullOp<T> : StochasticOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public ReparameterizeFullOp(Node<T> mean, Node<T> l, Node<T> eps) : base("reparameterize_full", mean, l, eps)
    {
        Shapes.Same(mean, eps, Name);
        if (l.Rows != mean.Rows || l.Cols != mean.Cols * mean.Cols)
            throw new ArgumentException($"{Name}: the factor {l} must be [{mean.Rows}x{mean.Cols * mean.Cols}] for the mean {mean}");
    }

    int Dim => Inputs[0].Cols;

    public override IEnumerable<Node<T>> SavedForBackward => [Inputs[2]];

    public override long BackwardScratch(Device device) => ScatterScratch(0, 1);

    public override void Forward(Exec<T> x)
    {
        var loop = x.Device.LoopFor(Output.Rows);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(SamplingKernels.LowerTriangularForward)(
            loop.Threads, loop, x.Value(Inputs[0]), x.Value(Inputs[1]), x.Value(Inputs[2]), x.Value(Output), Dim);
    }

    public override void Backward(Exec<T> x)
    {
        var loop = x.Device.LoopFor(Output.Rows);
        var k = x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(SamplingKernels.LowerTriangularBackward);
        Scatter(x, x.Scratch(this), [0, 1],
            (d, beta) => k(loop.Threads, loop, x.Value(Inputs[2]), x.Grad(Output), d[0], d[1], Dim, beta));
    }
}

/// <summary>
/// L from an unconstrained [rows, dim·dim] encoder output: below the diagonal as is, the diagonal
/// through softplus plus a floor (so log|L_ii| stays finite), zero above.
/// </summary>
public sealed class TriangularFactorOp<T> : StochasticOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly int _dim;
    readonly T _floor;

    public TriangularFactorOp(Node<T> raw, int dim, T floor) : base("triangular_factor", raw)
    {
        if (dim <= 0 || raw.Cols != dim * dim)
            throw new ArgumentException($"{Name}: {raw} must have dim·dim = {dim * dim} columns");
        _dim = dim;
        _floor = floor;
    }

    public override IEnumerable<Node<T>> SavedForBackward => [Inputs[0]];

    public override void Forward(Exec<T> x)
    {
        var loop = x.Device.LoopFor(Output.Length);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, int, T>(PosteriorKernels.TriangularFactorForward)(
            loop.Threads, loop, x.Value(Inputs[0]), x.Value(Output), _dim, _floor);
    }

    public override void Backward(Exec<T> x)
    {
        if (!x.NeedsGrad(Inputs[0])) return;
        var loop = x.Device.LoopFor(Output.Length);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(PosteriorKernels.TriangularFactorBackward)(
            loop.Threads, loop, x.Value(Inputs[0]), x.Grad(Output), x.Grad(Inputs[0]), _dim, x.Beta(this, 0));
    }
}

/// <summary>
/// A copy of a batch of images [rows, height·width] with one random block×block square hidden
/// (set to 0) per image, placed by Philox(seed, stream(op, step), row). Gets no gradient.
/// </summary>
public sealed class BlockMaskOp<T> : StochasticOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly int _height, _width, _block, _stream;

    public BlockMaskOp(Node<T> images, int height, int width, int block, int stream) : base("block_mask", images)
    {
        if (height * width != images.Cols || block <= 0 || block > height || block > width)
            throw new ArgumentException($"{Name}: a {block}x{block} block does not fit {height}x{width} images of {images}");
        (_height, _width, _block, _stream) = (height, width, block, stream);
    }

    public override IEnumerable<Node<T>> SavedForBackward => [];

    public override long ForwardScratch(Device device) => Output.Length;

    public override void Forward(Exec<T> x)
    {
        var loop = x.Device.LoopFor(Output.Length);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int, int, int, ulong, ulong>(CorruptionKernels.BlockMask)(
            loop.Threads, loop, x.Value(Inputs[0]), x.Value(Output), x.Scratch(this), _height, _width, _block, _block,
            x.Seed, StreamFor(_stream, x.Step));
    }

    public override void Backward(Exec<T> x) { }

    /// <summary>The Philox stream this op uses at a step, for host code that must know which pixels it hid.</summary>
    public static ulong Stream(int opStream, ulong step) => StreamFor(opStream, step);
}
