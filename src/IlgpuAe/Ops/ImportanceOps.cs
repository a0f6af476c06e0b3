using System.Numerics;
using ILGPU;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Ops;

/// <summary>K sample-major copies of x [rows, cols]: [K·rows, cols], row k·rows + b a copy of row b; the gradient sums the copies.</summary>
public sealed class TileRowsOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly int _copies;

    /// <summary>K = <paramref name="copies"/> (at least 1, else ArgumentException) copies of <paramref name="x"/>.</summary>
    public TileRowsOp(Node<T> x, int copies) : base("tile_rows", x)
    {
        if (copies < 1) throw new ArgumentException($"{Name}: needs at least one copy, got {copies}");
        _copies = copies;
    }

    /// <summary>None: the gradient is a sum of dy's blocks.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [];

    /// <summary>y = [x; x; …] (K times).</summary>
    public override void Forward(Exec<T> x)
    {
        var loop = x.Device.LoopFor(Output.Length);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>>(ImportanceKernels.TileForward)(loop.Threads, loop, x.Value(Inputs[0]), x.Value(Output));
    }

    /// <summary>dx = beta·dx + Σ_k dy_k.</summary>
    public override void Backward(Exec<T> x)
    {
        if (!x.NeedsGrad(Inputs[0])) return;
        var loop = x.Device.LoopFor(Inputs[0].Length);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, int, T>(ImportanceKernels.TileBackward)(
            loop.Threads, loop, x.Grad(Output), x.Grad(Inputs[0]), _copies, x.Beta(this, 0));
    }
}

/// <summary>
/// −log p(x|z) per row, [rows, 1], with a gradient: Bernoulli on logits, or Gaussian with a learned log-variance of the
/// mean's shape or one fixed log-variance. The target gets no gradient; it may have fewer rows, a divisor of the rows, and is then
/// read tiled sample-major (row r scores target row r mod its rows: K samples of each image against one copy of the images).
/// </summary>
public sealed class RowNllOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly Likelihood _kind;
    readonly T _fixedLogVar;
    readonly bool _learned;

    /// <summary>
    /// Inputs (out, target) for Bernoulli or GaussianFixed (log-variance <paramref name="fixedLogVar"/>), (mean, logVar, target) for
    /// Gaussian (learned); ArgumentException when their number or shapes disagree.
    /// </summary>
    public RowNllOp(Likelihood kind, T fixedLogVar, params Node<T>[] inputs) : base("row_nll", inputs)
    {
        _kind = kind;
        _fixedLogVar = fixedLogVar;
        _learned = kind == Likelihood.Gaussian;
        if (inputs.Length != (_learned ? 3 : 2)) throw new ArgumentException($"{Name}: {kind} takes {(_learned ? 3 : 2)} inputs, got {inputs.Length}");
        if (_learned) Shapes.Same(inputs[0], inputs[1], Name);
        var target = inputs[^1];
        if (target.Cols != inputs[0].Cols || inputs[0].Rows % target.Rows != 0)
            throw new IlgpuAeException($"{Name} needs a target of {inputs[0].Cols} columns whose rows divide {inputs[0].Rows}, got {target.Label}");
    }

    Node<T> Target => Inputs[^1];
    int Cols => Inputs[0].Cols;

    /// <summary>The inputs: the gradient is recomputed from them.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => Inputs;

    /// <summary>ℓ_r = −log p(x_r|z_r), summed over features.</summary>
    public override void Forward(Exec<T> x)
    {
        var loop = x.Device.LoopFor(Output.Rows);
        if (_kind == Likelihood.Bernoulli)
        {
            x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(ImportanceKernels.RowBernoulliNllForward)(
                loop.Threads, loop, x.Value(Inputs[0]), x.Value(Target), x.Value(Output), Cols);
            return;
        }
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T, int>(ImportanceKernels.RowGaussianNllForward)(
            loop.Threads, loop, x.Value(Inputs[0]), LogVar(x), x.Value(Target), x.Value(Output), Cols, _fixedLogVar, _learned ? 1 : 0);
    }

    // A fixed log-variance is a launch argument; the kernel then reads no log-variance view, so the mean stands in for it.
    ArrayView<T> LogVar(Exec<T> x) => x.Value(Inputs[_learned ? 1 : 0]);

    /// <summary>dout_rc = beta·dout_rc + g_r·∂ℓ_r/∂out_rc, and the learned log-variance's gradient beside it.</summary>
    public override void Backward(Exec<T> x)
    {
        var g = x.Grad(Output);
        var loop = x.Device.LoopFor(Inputs[0].Length);
        if (_kind == Likelihood.Bernoulli)
        {
            if (x.NeedsGrad(Inputs[0]))
                x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(ImportanceKernels.RowBernoulliNllBackward)(
                    loop.Threads, loop, x.Value(Inputs[0]), x.Value(Target), g, x.Grad(Inputs[0]), Cols, x.Beta(this, 0));
            return;
        }
        var logVar = LogVar(x);
        if (x.NeedsGrad(Inputs[0]))
            x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T, int, T>(ImportanceKernels.RowGaussianNllBackwardMean)(
                loop.Threads, loop, x.Value(Inputs[0]), logVar, x.Value(Target), g, x.Grad(Inputs[0]), Cols, _fixedLogVar, _learned ? 1 : 0, x.Beta(this, 0));
        if (_learned && x.NeedsGrad(Inputs[1]))
            x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(ImportanceKernels.RowGaussianNllBackwardLogVar)(
                loop.Threads, loop, x.Value(Inputs[0]), logVar, x.Value(Target), g, x.Grad(Inputs[1]), Cols, x.Beta(this, 1));
    }
}

/// <summary>
/// log p(z) − log q(z|x) per row, [rows, 1], for p = N(0, I) and a diagonal q at z = μ + e^{½logσ²}·ε: Σ ½(ε² − z²) + ½logσ².
/// With ε fixed, z gets −z and logσ² gets ½ per row's upstream gradient; ε gets nothing.
/// </summary>
public sealed class LogPriorRatioOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Inputs z, ε, logσ², all [rows, dim]; ArgumentException when the shapes differ.</summary>
    public LogPriorRatioOp(Node<T> z, Node<T> eps, Node<T> logVar) : base("log_prior_ratio", z, eps, logVar)
    {
        Shapes.Same(z, eps, Name);
        Shapes.Same(z, logVar, Name);
    }

    /// <summary>z: the only value the backward pass reads.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [Inputs[0]];

    /// <summary>a_r = Σ_c ½(ε² − z²) + ½logσ².</summary>
    public override void Forward(Exec<T> x)
    {
        var loop = x.Device.LoopFor(Output.Rows);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(ImportanceKernels.LogPriorRatioForward)(
            loop.Threads, loop, x.Value(Inputs[0]), x.Value(Inputs[1]), x.Value(Inputs[2]), x.Value(Output), Inputs[0].Cols);
    }

    /// <summary>dz = beta·dz − g_r·z;  dlogσ² = beta·dlogσ² + ½g_r.</summary>
    public override void Backward(Exec<T> x)
    {
        var g = x.Grad(Output);
        int cols = Inputs[0].Cols;
        var loop = x.Device.LoopFor(Inputs[0].Length);
        if (x.NeedsGrad(Inputs[0]))
            x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(ImportanceKernels.LogPriorRatioBackwardZ)(
                loop.Threads, loop, x.Value(Inputs[0]), g, x.Grad(Inputs[0]), cols, x.Beta(this, 0));
        if (x.NeedsGrad(Inputs[2]))
            x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, int, T>(ImportanceKernels.LogPriorRatioBackwardLogVar)(
                loop.Threads, loop, g, x.Grad(Inputs[2]), cols, x.Beta(this, 2));
    }
}

/// <summary>
/// The negative importance-weighted bound, −(1/B)·Σ_b log (1/K)·Σ_k e^{a_kb}, of sample-major log-weights a [K·B, 1]
/// (max-subtracted, so large |a| neither overflows nor underflows). Backward recomputes the normalised weights.
/// </summary>
public sealed class NegLogMeanExpOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly int _samples;

    /// <summary>K = <paramref name="samples"/> log-weights per image in <paramref name="a"/> [K·B, 1]; ArgumentException otherwise.</summary>
    public NegLogMeanExpOp(Node<T> a, int samples) : base("neg_log_mean_exp", a)
    {
        if (samples < 1 || a.Cols != 1 || a.Rows % samples != 0)
            throw new ArgumentException($"{Name}: needs [K·B, 1] log-weights with K = {samples} ≥ 1, got {a}");
        _samples = samples;
    }

    int Images => Inputs[0].Rows / _samples;

    /// <summary>The log-weights: backward recomputes the normalised weights from them.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => Inputs;

    /// <summary>ℓ_b per image and the weights w̃ [K·B].</summary>
    public override long ForwardScratch(Device device) => Images + Inputs[0].Length;

    /// <summary>ℓ_b and w̃ recomputed.</summary>
    public override long BackwardScratch(Device device) => Images + Inputs[0].Length;

    void Weights(Exec<T> x, ArrayView<T> rows, ArrayView<T> weights)
    {
        var loop = x.Device.LoopFor(Images);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(ImportanceKernels.NegLogMeanExpForward)(
            loop.Threads, loop, x.Value(Inputs[0]), rows, weights, _samples, T.Log(T.CreateTruncating(_samples)));
    }

    /// <summary>−(1/B)·Σ_b log-mean-exp_k a_kb.</summary>
    public override void Forward(Exec<T> x)
    {
        var s = x.Scratch(this);
        var rows = s.SubView(0, Images);
        Weights(x, rows, s.SubView(Images, Inputs[0].Length));
        SumToScalar(x, rows, x.Value(Output), T.One / T.CreateTruncating(Images));
    }

    /// <summary>da_kb = beta·da_kb − (g/B)·w̃_kb.</summary>
    public override void Backward(Exec<T> x)
    {
        if (!x.NeedsGrad(Inputs[0])) return;
        var s = x.Scratch(this);
        var weights = s.SubView(Images, Inputs[0].Length);
        Weights(x, s.SubView(0, Images), weights);
        var loop = x.Device.LoopFor(Inputs[0].Length);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(ImportanceKernels.NegLogMeanExpBackward)(
            loop.Threads, loop, weights, x.Grad(Output), x.Grad(Inputs[0]), T.One / T.CreateTruncating(Images), x.Beta(this, 0));
    }
}
