using System.Numerics;
using ILGPU;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Ops;

/// <summary>
/// Gaussian decoder likelihood −log N(x; μ, diag e^{logσ²}) summed over features, averaged over
/// rows. logσ² is either an input of μ's shape (learned per pixel) or one fixed number.
/// The target gets no gradient.
/// </summary>
public sealed class GaussianNllOp<T> : StochasticOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly T _fixedLogVar;

    /// <summary>Learned variance: inputs μ, logσ², x.</summary>
    public GaussianNllOp(Node<T> mean, Node<T> logVar, Node<T> target) : base("gaussian_nll", mean, logVar, target)
    {
        Shapes.Same(mean, logVar, Name);
        Shapes.Same(mean, target, Name);
    }

    /// <summary>Fixed variance: inputs μ, x.</summary>
    public GaussianNllOp(Node<T> mean, Node<T> target, T fixedLogVar) : base("gaussian_nll", mean, target)
    {
        Shapes.Same(mean, target, Name);
        _fixedLogVar = fixedLogVar;
    }

    bool Learned => Inputs.Count == 3;
    Node<T> Mean => Inputs[0];
    Node<T> Target => Inputs[^1];

    /// <summary>Every input: the gradient is recomputed from μ, logσ² and x.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => Inputs;

    /// <summary>One −log-likelihood per row before the batch mean.</summary>
    public override long ForwardScratch(Device device) => Mean.Rows;

    /// <summary>Room for dμ and dlogσ² when the variance is learned and they cannot be written directly; nothing when it is fixed.</summary>
    public override long BackwardScratch(Device device) => Learned ? ScatterScratch(0, 1) : 0;

    /// <summary>μ, and logσ² when it is learned: their gradients read what the row values read.</summary>
    public override IReadOnlyList<int> GradientInForward => Learned ? [0, 1] : [0];

    /// <summary>
    /// loss = (1/rows)·Σ_r ℓ_r in nats, ℓ_r = ½ Σ_c [(x − μ)² e^{−logσ²} + logσ² + log 2π]; where the plan fuses the gradient,
    /// the gradients of <see cref="Backward"/> in the same launch as the row values.
    /// </summary>
    public override void Forward(Exec<T> x)
    {
        var rows = x.Scratch(this);
        if (x.GradientInForward(this)) ValuesAndGradients(x, rows);
        else RowValues(x, Inputs, _fixedLogVar, rows);
        SumToScalar(x, rows, x.Value(Output), PerRow(Mean.Rows));
    }

    void ValuesAndGradients(Exec<T> x, ArrayView<T> rows)
    {
        var rowLoop = x.Device.LoopFor(Mean.Rows);
        var elements = x.Device.LoopFor(Mean.Length);
        int threads = Math.Max(rowLoop.Threads, elements.Threads);
        T gs = x.TermGradient(Output) * PerRow(Mean.Rows);
        if (Learned)
            x.Device.Load<Loop, Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(LossKernels.GaussianNllValueAndGrad)(
                threads, rowLoop, elements, x.Value(Mean), x.Value(Inputs[1]), x.Value(Target), rows, x.Grad(Mean), x.Grad(Inputs[1]), Mean.Cols, gs);
        else
            x.Device.Load<Loop, Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T, T>(LossKernels.GaussianNllFixedValueAndGrad)(
                threads, rowLoop, elements, x.Value(Mean), x.Value(Target), rows, x.Grad(Mean), Mean.Cols, _fixedLogVar, gs);
    }

    /// <summary>One −log-likelihood per row into <paramref name="rows"/> (shared with <see cref="RowReconstructionOp{T}"/>).</summary>
    internal static void RowValues(Exec<T> x, IReadOnlyList<Node<T>> inputs, T fixedLogVar, ArrayView<T> rows)
    {
        var loop = x.Device.LoopFor(inputs[0].Rows);
        if (inputs.Count == 3)
            x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(LossKernels.GaussianNllForward)(
                loop.Threads, loop, x.Value(inputs[0]), x.Value(inputs[1]), x.Value(inputs[2]), rows, inputs[0].Cols);
        else
            x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(LossKernels.GaussianNllFixedForward)(
                loop.Threads, loop, x.Value(inputs[0]), x.Value(inputs[1]), rows, inputs[0].Cols, fixedLogVar);
    }

    /// <summary>
    /// dμ = beta·dμ + (dloss/rows)·(μ − x)e^{−logσ²}; with a learned variance also
    /// dlogσ² = beta·dlogσ² + (dloss/rows)·½(1 − (x − μ)² e^{−logσ²}). The target gets nothing.
    /// </summary>
    public override void Backward(Exec<T> x)
    {
        var loop = x.Device.LoopFor(Mean.Length);
        T scale = PerRow(Mean.Rows);
        var g = x.Grad(Output);
        if (Learned)
        {
            var k = x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(LossKernels.GaussianNllBackward);
            if (BeginScatter(x, x.Scratch(this), [0, 1], out var d, out T beta))
            {
                k(loop.Threads, loop, x.Value(Mean), x.Value(Inputs[1]), x.Value(Target), g, d[0], d[1], scale, beta);
                EndScatter(x, [0, 1]);
            }
        }
        else if (x.NeedsGrad(Mean))
            x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T, T>(LossKernels.GaussianNllFixedBackward)(
                loop.Threads, loop, x.Value(Mean), x.Value(Target), g, x.Grad(Mean), _fixedLogVar, scale, x.Beta(this, 0));
    }
}

/// <summary>How a decoder scores its target, for <see cref="RowReconstructionOp{T}"/>.</summary>
public enum Likelihood
{
    /// <summary>Bernoulli on logits (binary cross-entropy), targets in [0, 1].</summary>
    Bernoulli,
    /// <summary>Gaussian with a learned per-pixel log-variance (an input).</summary>
    Gaussian,
    /// <summary>Gaussian with one fixed log-variance.</summary>
    GaussianFixed,
}

/// <summary>
/// −log p(x|z) per row, [rows, 1], for evaluation (importance weights need one value per sample,
/// not the batch mean). Forward only: a training graph uses the batch-mean ops instead.
/// </summary>
public sealed class RowReconstructionOp<T> : StochasticOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly Likelihood _kind;
    readonly T _fixedLogVar;

    /// <summary>
    /// Row scores for <paramref name="kind"/>: inputs (logits, x) for Bernoulli, (μ, logσ², x) for Gaussian, (μ, x) for
    /// GaussianFixed, which uses <paramref name="fixedLogVar"/> (ignored otherwise). ArgumentException when the input count
    /// is wrong or the shapes differ.
    /// </summary>
    public RowReconstructionOp(Likelihood kind, T fixedLogVar, params Node<T>[] inputs) : base("row_nll", inputs)
    {
        if (inputs.Length != (kind == Likelihood.Gaussian ? 3 : 2))
            throw new ArgumentException($"{Name}: a {kind} likelihood takes {(kind == Likelihood.Gaussian ? 3 : 2)} inputs");
        foreach (var n in inputs.Skip(1)) Shapes.Same(inputs[0], n, Name);
        _kind = kind;
        _fixedLogVar = fixedLogVar;
    }

    /// <summary>None: the op has no backward pass.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [];

    /// <summary>ℓ_r = −log p(x_r|z_r) in nats per row: BCE with logits summed over features, or the Gaussian NLL of <see cref="GaussianNllOp{T}"/>.</summary>
    public override void Forward(Exec<T> x)
    {
        if (_kind == Likelihood.Bernoulli)
        {
            var loop = x.Device.LoopFor(Inputs[0].Rows);
            x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(LossKernels.BceWithLogitsForward)(
                loop.Threads, loop, x.Value(Inputs[0]), x.Value(Inputs[1]), x.Value(Output), Inputs[0].Cols);
        }
        else
            GaussianNllOp<T>.RowValues(x, Inputs, _fixedLogVar, x.Value(Output));
    }

    /// <summary>Always throws NotSupportedException: this op is evaluation only.</summary>
    public override void Backward(Exec<T> x) =>
        throw new NotSupportedException($"{Name} is an evaluation output and has no backward pass; use a batch-mean loss to train");
}
