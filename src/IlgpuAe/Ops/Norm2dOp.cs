using System.Numerics;
using ILGPU;
using IlgpuAe.Compute;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Ops;

/// <summary>
/// BatchNorm2d or GroupNorm of NCHW maps held as [B, C·H·W] nodes: y = γ_c·(x − μ)/√(σ² + ε) + β_c with γ, β [1, C] inputs.
/// Batch statistics make the op a function of every row of its statistic; BatchNorm with <see cref="NormStatistics.Running"/>
/// reads its running buffers instead (evaluation graphs, or frozen statistics), and in training it moves them toward the
/// batch's, once per forward pass, as nn.BatchNorm2d does in train(). Backward: see <see cref="NormKernels"/>.
/// </summary>
public sealed class Norm2dOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly NormShape _s;
    readonly NormStatistics _statistics;
    readonly ParameterStore<T>? _store;
    readonly ModelBuffer<T>? _runningMean, _runningVariance;
    readonly T _eps, _momentum;

    /// <summary>
    /// The normalisation <paramref name="shape"/> of x; for BatchNorm the store and its running buffers (which the op updates in
    /// a <see cref="NormStatistics.Batch"/> pass and reads in a <see cref="NormStatistics.Running"/> one). ArgumentException naming a node that disagrees.
    /// </summary>
    public Norm2dOp(Node<T> x, Node<T> gamma, Node<T> beta, NormShape shape, NormStatistics statistics, T eps, T momentum,
        ParameterStore<T>? store = null, ModelBuffer<T>? runningMean = null, ModelBuffer<T>? runningVariance = null)
        : base(shape.Batchwise ? "batch_norm2d" : "group_norm", x, gamma, beta)
    {
        NormLaunch.Validate(shape);
        if (x.Rows != shape.Batch || (long)x.Rows * x.Cols != shape.Length)
            throw new ArgumentException($"{shape} expects an input of [{shape.Batch}x{(long)shape.Channels * shape.Plane}], got {x}");
        foreach (var p in new[] { gamma, beta })
            if (p.Rows != 1 || p.Cols != shape.Channels) throw new ArgumentException($"{shape} expects γ and β of [1x{shape.Channels}], got {p}");
        bool running = runningMean is not null;
        if (running != (runningVariance is not null) || running != (store is not null) || (running && !shape.Batchwise))
            throw new ArgumentException($"{shape}: running statistics come as a store with a mean and a variance buffer, for batch normalisation only");
        if (statistics == NormStatistics.Running && !running) throw new ArgumentException($"{shape}: running statistics need their buffers");
        foreach (var b in new[] { runningMean, runningVariance })
            if (b is not null && b.Length != shape.Channels) throw new ArgumentException($"{shape}: buffer {b.Name} has {b.Length} elements, expected {shape.Channels}");
        if (statistics == NormStatistics.Batch && running && shape.Count < 2)
            throw new IlgpuAeException($"{shape}: batch normalisation in training needs more than one value per channel (a batch of {shape.Batch} images of {shape.Plane} pixels)");
        _s = shape;
        _statistics = statistics;
        _store = store;
        _runningMean = runningMean;
        _runningVariance = runningVariance;
        _eps = eps;
        _momentum = momentum;
    }

    /// <summary>The geometry, batch included.</summary>
    public NormShape Shape => _s;
    /// <summary>Batch or running statistics.</summary>
    public NormStatistics Statistics => _statistics;

    /// <summary>x (the statistics are found again from it) and γ.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [Inputs[0], Inputs[1]];

    /// <summary>The statistics.</summary>
    public override long ForwardScratch(Device device) => NormLaunch.Scratch(_s);

    /// <summary>The statistics and the gradient sums.</summary>
    public override long BackwardScratch(Device device) => NormLaunch.Scratch(_s);

    ArrayView<T> Running(ModelBuffer<T>? b) => b is null ? default : _store!.BufferOf(b);

    /// <summary>y = γ·x̂ + β; BatchNorm in a batch-statistics pass also updates its running mean and variance.</summary>
    public override void Forward(Exec<T> x) =>
        NormLaunch.Forward(x.Device, _s, x.Value(Inputs[0]), x.Value(Inputs[1]), x.Value(Inputs[2]), x.Value(Output), _eps, _statistics,
            Running(_runningMean), Running(_runningVariance), _momentum, x.Scratch(this));

    /// <summary>dx, dγ, dβ, each with its beta.</summary>
    public override void Backward(Exec<T> x)
    {
        Node<T> input = Inputs[0], gamma = Inputs[1], beta = Inputs[2];
        if (!x.NeedsGrad(input) && !x.NeedsGrad(gamma) && !x.NeedsGrad(beta)) return;
        // Running statistics are read, never updated, here: the forward pass of this step already moved them.
        NormLaunch.Backward(x.Device, _s, x.Value(input), x.Value(gamma), x.Grad(Output),
            x.NeedsGrad(input) ? x.Grad(input) : default, x.NeedsGrad(input) ? x.Beta(this, 0) : T.Zero,
            x.NeedsGrad(gamma) ? x.Grad(gamma) : default, x.NeedsGrad(gamma) ? x.Beta(this, 1) : T.Zero,
            x.NeedsGrad(beta) ? x.Grad(beta) : default, x.NeedsGrad(beta) ? x.Beta(this, 2) : T.Zero,
            _eps, _statistics, Running(_runningMean), Running(_runningVariance), x.Scratch(this));
    }
}
