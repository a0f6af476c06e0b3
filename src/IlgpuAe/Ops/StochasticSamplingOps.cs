using System.Numerics;
using ILGPU;
using IlgpuAe.Compute;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Ops;

/// <summary>
/// ε ~ N(0, I) of shape [rows, cols] from Philox(seed, stream(op, step), element): the same ε for
/// the same seed and step, so a run repeats and a gradient check that holds the step holds ε. The
/// element counts from the whole batch's first row, so a slice of the batch (one rank's share) draws its rows' ε.
/// It has no inputs and so never takes part in the backward pass.
/// </summary>
public sealed class NoiseOp<T>(int stream) : StochasticOp<T>("noise")
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>None: the op has no inputs and no backward pass.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [];

    /// <summary>Fills the [rows, cols] output with N(0, 1) draws from Philox(seed, stream(op, step), element).</summary>
    public override void Forward(Exec<T> x)
    {
        RandomLaunch.Normal(x.Device, x.Value(Output), x.Seed, KeyFor(stream), x.StepCell, x.FirstElement(Output), T.Zero, T.One);
    }

    /// <summary>Nothing to do: ε is a leaf of the graph and takes no gradient.</summary>
    public override void Backward(Exec<T> x) { }
}

/// <summary>z = μ + e^{½logσ²}·ε (diagonal posterior); ε is an input that gets no gradient.</summary>
public sealed class ReparameterizeDiagonalOp<T> : StochasticOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>z = μ + e^{½logσ²}·ε from a mean, log-variance and noise of the same shape [rows, dim]; ArgumentException when the shapes differ.</summary>
    public ReparameterizeDiagonalOp(Node<T> mean, Node<T> logVar, Node<T> eps) : base("reparameterize", mean, logVar, eps)
    {
        Shapes.Same(mean, logVar, Name);
        Shapes.Same(mean, eps, Name);
    }

    /// <summary>logσ² and ε: the backward pass needs them, not μ.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [Inputs[1], Inputs[2]];

    /// <summary>Room for dμ and dlogσ² when they cannot be written directly (their betas differ or one needs no gradient).</summary>
    public override long BackwardScratch(Device device) => ScatterScratch(0, 1);

    /// <summary>z = μ + e^{½logσ²}·ε, element by element.</summary>
    public override void Forward(Exec<T> x)
    {
        var loop = x.Device.LoopFor(Output.Length);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>>(SamplingKernels.DiagonalForward)(
            loop.Threads, loop, x.Value(Inputs[0]), x.Value(Inputs[1]), x.Value(Inputs[2]), x.Value(Output));
    }

    /// <summary>dμ = beta·dμ + dz;  dlogσ² = beta·dlogσ² + dz·ε·½e^{½logσ²}; ε gets nothing.</summary>
    public override void Backward(Exec<T> x)
    {
        var loop = x.Device.LoopFor(Output.Length);
        var k = x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T>(SamplingKernels.DiagonalBackward);
        if (BeginScatter(x, x.Scratch(this), [0, 1], out var d, out T beta))
        {
            k(loop.Threads, loop, x.Value(Inputs[1]), x.Value(Inputs[2]), x.Grad(Output), d[0], d[1], beta);
            EndScatter(x, [0, 1]);
        }
    }
}

/// <summary>z = μ + L·ε (full covariance LLᵀ), L [rows, dim·dim] lower-triangular; ε gets no gradient.</summary>
public sealed class ReparameterizeFullOp<T> : StochasticOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// z[r,i] = μ[r,i] + Σ_{j≤i} L[r,i,j]·ε[r,j] from a mean and noise [rows, dim] and a factor L [rows, dim·dim]
    /// (row-major dim×dim per row); ArgumentException when μ and ε differ or L is not [rows, dim·dim].
    /// </summary>
    public ReparameterizeFullOp(Node<T> mean, Node<T> l, Node<T> eps) : base("reparameterize_full", mean, l, eps)
    {
        Shapes.Same(mean, eps, Name);
        if (l.Rows != mean.Rows || l.Cols != mean.Cols * mean.Cols)
            throw new ArgumentException($"{Name}: the factor {l} must be [{mean.Rows}x{mean.Cols * mean.Cols}] for the mean {mean}");
    }

    int Dim => Inputs[0].Cols;

    /// <summary>ε only: dL needs ε, and dμ needs nothing but dz.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [Inputs[2]];

    /// <summary>Room for dμ and dL when they cannot be written directly (their betas differ or one needs no gradient).</summary>
    public override long BackwardScratch(Device device) => ScatterScratch(0, 1);

    /// <summary>z[r,i] = μ[r,i] + Σ_{j≤i} L[r,i,j]·ε[r,j], one row per thread step; entries of L above the diagonal are ignored.</summary>
    public override void Forward(Exec<T> x)
    {
        var loop = x.Device.LoopFor(Output.Rows);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(SamplingKernels.LowerTriangularForward)(
            loop.Threads, loop, x.Value(Inputs[0]), x.Value(Inputs[1]), x.Value(Inputs[2]), x.Value(Output), Dim);
    }

    /// <summary>dμ = beta·dμ + dz;  dL[r,i,j] = beta·dL + dz[r,i]·ε[r,j] for j ≤ i, 0 above the diagonal; ε gets nothing.</summary>
    public override void Backward(Exec<T> x)
    {
        var loop = x.Device.LoopFor(Output.Rows);
        var k = x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(SamplingKernels.LowerTriangularBackward);
        if (BeginScatter(x, x.Scratch(this), [0, 1], out var d, out T beta))
        {
            k(loop.Threads, loop, x.Value(Inputs[2]), x.Grad(Output), d[0], d[1], Dim, beta);
            EndScatter(x, [0, 1]);
        }
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

    /// <summary>
    /// L from <paramref name="raw"/> [rows, dim·dim]; <paramref name="floor"/> is added to every softplus diagonal entry
    /// so that L_ii ≥ floor &gt; 0. ArgumentException when dim ≤ 0 or raw does not have dim·dim columns.
    /// </summary>
    public TriangularFactorOp(Node<T> raw, int dim, T floor) : base("triangular_factor", raw)
    {
        if (dim <= 0 || raw.Cols != dim * dim)
            throw new ArgumentException($"{Name}: {raw} must have dim·dim = {dim * dim} columns");
        _dim = dim;
        _floor = floor;
    }

    /// <summary>The raw input: the diagonal's gradient is the softplus derivative σ(raw).</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [Inputs[0]];

    /// <summary>L[r,i,j] = raw for j &lt; i;  softplus(raw) + floor for j = i;  0 for j &gt; i.</summary>
    public override void Forward(Exec<T> x)
    {
        var loop = x.Device.LoopFor(Output.Length);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, int, T>(PosteriorKernels.TriangularFactorForward)(
            loop.Threads, loop, x.Value(Inputs[0]), x.Value(Output), _dim, _floor);
    }

    /// <summary>draw = beta·draw + dL below the diagonal, dL·σ(raw) on it, and 0 above it.</summary>
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

    /// <summary>
    /// Hides one <paramref name="block"/>×<paramref name="block"/> square in each <paramref name="height"/>×<paramref name="width"/> image
    /// of <paramref name="images"/> [rows, height·width]; <paramref name="stream"/> is the op's Philox stream (see <see cref="Stream"/>).
    /// ArgumentException when height·width is not the column count or the block is not in 1..min(height, width).
    /// </summary>
    public BlockMaskOp(Node<T> images, int height, int width, int block, int stream) : base("block_mask", images)
    {
        if (height * width != images.Cols || block <= 0 || block > height || block > width)
            throw new ArgumentException($"{Name}: a {block}x{block} block does not fit {height}x{width} images of {images}");
        (_height, _width, _block, _stream) = (height, width, block, stream);
    }

    /// <summary>None: the op gets no gradient.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [];

    /// <summary>One value per element: the 0/1 observed mask the kernel writes alongside the copy, not kept.</summary>
    public override long ForwardScratch(Device device) => Output.Length;

    /// <summary>y = x with the pixels of one block per row, placed by Philox(seed, stream(op, step), row of the whole batch), set to 0.</summary>
    public override void Forward(Exec<T> x)
    {
        var loop = x.Device.LoopFor(Output.Length);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int, int, int, ulong, StreamKey, ArrayView<ulong>, ulong>(CorruptionKernels.BlockMask)(
            loop.Threads, loop, x.Value(Inputs[0]), x.Value(Output), x.Scratch(this), _height, _width, _block, _block,
            x.Seed, KeyFor(_stream), x.StepCell, x.RowOffset);
    }

    /// <summary>Nothing to do: the masked copy is an input to the model, not something it learns.</summary>
    public override void Backward(Exec<T> x) { }

    /// <summary>The Philox stream this op uses at a step, for host code that must know which pixels it hid.</summary>
    public static ulong Stream(int opStream, ulong step) => StreamFor(opStream, step);
}
