using System.Numerics;
using ILGPU;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Ops;

/// <summary>
/// s = scale·Σ_r Σ_c |h[r,c]| (scale 1/rows: the L1 sparsity penalty per image, a Laplace prior on the
/// code); dh = ds·scale·sign(h). As a <paramref name="detached"/> statistic (mean |h| with scale
/// 1/(rows·cols)) it passes no gradient, so reporting it never changes training.
/// </summary>
/// <param name="h">Codes [rows, units].</param>
/// <param name="scale">Factor on the sum: 1/rows for the penalty per image, 1/(rows·cols) for the mean.</param>
/// <param name="detached">True for a statistic that passes no gradient.</param>
public sealed class L1PenaltyOp<T>(Node<T> h, T scale, bool detached = false)
    : KernelOp<T>(detached ? "mean_abs" : "l1", h)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>h, or nothing when detached.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => detached ? [] : Inputs;

    /// <summary>One |h| sum per row.</summary>
    public override long ForwardScratch(Device device) => Inputs[0].Rows;

    /// <summary>s = scale·Σ_r Σ_c |h[r,c]|</summary>
    public override void Forward(Exec<T> x)
    {
        var h = Inputs[0];
        var rowPenalty = x.Scratch(this);
        var loop = x.Device.LoopFor(h.Rows);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, int>(PenaltyKernels.L1Forward)(loop.Threads, loop, x.Value(h), rowPenalty, h.Cols);
        SumToScalar(x, rowPenalty, x.Value(Output), scale);
    }

    /// <summary>dh = beta·dh + ds·scale·sign(h); zeros when detached.</summary>
    public override void Backward(Exec<T> x)
    {
        var h = Inputs[0];
        if (!x.NeedsGrad(h)) return;
        if (detached)
        {
            NoGradient.Zero(x, this, 0);
            return;
        }
        var loop = x.Device.LoopFor(h.Length);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(PenaltyKernels.L1Backward)(
            loop.Threads, loop, x.Value(h), x.Grad(Output), x.Grad(h), scale, x.Beta(this, 0));
    }
}

/// <summary>
/// s = Σ_c KL(ρ ‖ ρ̂_c), ρ̂_c = mean_r h[r,c] ∈ (0, 1) (sigmoid codes): the KL sparsity penalty of the
/// batch, pulling each unit's mean activation to ρ. dh[r,c] = ds·(−ρ/ρ̂_c + (1−ρ)/(1−ρ̂_c))/rows.
/// </summary>
/// <param name="h">Sigmoid codes [rows, units], in (0, 1).</param>
/// <param name="rho">ρ, the target mean activation.</param>
public sealed class KlSparsityOp<T>(Node<T> h, T rho) : KernelOp<T>("kl_sparsity", h)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>h: ρ̂ is recomputed in backward.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => Inputs;

    /// <summary>One KL per unit (column).</summary>
    public override long ForwardScratch(Device device) => Inputs[0].Cols;

    /// <summary>s = Σ_c KL(ρ ‖ ρ̂_c)</summary>
    public override void Forward(Exec<T> x)
    {
        var h = Inputs[0];
        var unitKl = x.Scratch(this);
        var loop = x.Device.LoopFor(h.Cols);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, int, T>(PenaltyKernels.KlSparsityForward)(loop.Threads, loop, x.Value(h), unitKl, h.Rows, rho);
        SumToScalar(x, unitKl, x.Value(Output), T.One);
    }

    /// <summary>dh[r,c] = beta·dh + ds·(−ρ/ρ̂_c + (1−ρ)/(1−ρ̂_c))/rows</summary>
    public override void Backward(Exec<T> x)
    {
        var h = Inputs[0];
        if (!x.NeedsGrad(h)) return;
        var loop = x.Device.LoopFor(h.Cols);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T, T, T>(PenaltyKernels.KlSparsityBackward)(
            loop.Threads, loop, x.Value(h), x.Grad(Output), x.Grad(h), h.Rows, rho, T.One, x.Beta(this, 0));
    }
}

/// <summary>
/// s = (1/(rows·cols))·#{ |h| &lt; threshold }: the fraction of code units that are (nearly) off. A
/// statistic with no gradient (a step function's derivative is zero wherever it exists).
/// </summary>
/// <param name="h">Codes [rows, units].</param>
/// <param name="threshold">|h| below this counts as off.</param>
public sealed class FractionBelowOp<T>(Node<T> h, T threshold) : KernelOp<T>("fraction_below", h)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Nothing: a statistic without gradient.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [];

    /// <summary>One count per row.</summary>
    public override long ForwardScratch(Device device) => Inputs[0].Rows;

    /// <summary>s = #{|h| &lt; threshold} / (rows·cols)</summary>
    public override void Forward(Exec<T> x)
    {
        var h = Inputs[0];
        var rowCount = x.Scratch(this);
        var loop = x.Device.LoopFor(h.Rows);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, int, T>(CodeStatsKernels.RowCountBelow)(loop.Threads, loop, x.Value(h), rowCount, h.Cols, threshold);
        SumToScalar(x, rowCount, x.Value(Output), T.One / T.CreateTruncating(h.Length));
    }

    /// <summary>Zeros for h, should anything upstream need a gradient.</summary>
    public override void Backward(Exec<T> x)
    {
        if (x.NeedsGrad(Inputs[0])) NoGradient.Zero(x, this, 0);
    }
}
