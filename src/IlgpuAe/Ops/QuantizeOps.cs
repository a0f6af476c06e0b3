using System.Numerics;
using ILGPU;
using IlgpuAe.Compute;
using IlgpuAe.Graph;

namespace IlgpuAe.Ops;

/// <summary>
/// index[m] = argmin_k ‖z_m − e_k‖² for the M = rows·cols/D code vectors of z [rows, cols] (each row holds cols/D vectors of
/// D = codebook.Cols values) against the codebook [K, D]: one GEMM and one argmin. The output [M, 1] holds the indices as
/// values; an argmin has no gradient.
/// </summary>
public sealed class NearestCodeOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>IlgpuAeException unless z's width is a multiple of the codebook's.</summary>
    public NearestCodeOp(Node<T> z, Node<T> codebook) : base("nearest code", z, codebook)
    {
        if (z.Cols % codebook.Cols != 0)
            throw new IlgpuAeException($"nearest code: {z.Label} is not made of {codebook.Cols}-wide code vectors (codebook {codebook.Label})");
    }

    /// <summary>True: the indices are piecewise constant.</summary>
    public override bool StopsGradient => true;
    /// <summary>Nothing.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [];
    /// <summary>The scores z·Eᵀ [M, K] and the norms ‖e_k‖² [K].</summary>
    public override long ForwardScratch(Device device) => Output.Rows * (long)Inputs[1].Rows + Inputs[1].Rows;

    /// <summary>‖e_k‖², z·Eᵀ, then the argmin per code vector.</summary>
    public override void Forward(Exec<T> x)
    {
        var codebook = Inputs[1];
        long scores = Output.Rows * (long)codebook.Rows;
        var scratch = x.Scratch(this);
        QuantizeLaunch.Nearest(x.Device, x.Value(Inputs[0]), x.Value(codebook), scratch.SubView(0, scores), scratch.SubView(scores, codebook.Rows), x.Value(Output), codebook.Cols);
    }

    /// <summary>Never called.</summary>
    public override void Backward(Exec<T> x) { }
}

/// <summary>q = E[index] reshaped to [rows, cols]; dE[k] += Σ_{m: index[m] = k} dq_m.</summary>
/// <param name="codebook">E [K, D].</param>
/// <param name="index">[M, 1] indices from <see cref="NearestCodeOp{T}"/>, M·D = the output's length.</param>
public sealed class GatherCodesOp<T>(Node<T> codebook, Node<T> index) : KernelOp<T>("gather codes", codebook, index)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The indices alone (dE needs no values).</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [Inputs[1]];

    /// <summary>q_m = e_{index[m]}.</summary>
    public override void Forward(Exec<T> x) => QuantizeLaunch.Gather(x.Device, x.Value(Inputs[0]), x.Value(Inputs[1]), x.Value(Output), Inputs[0].Cols);

    /// <summary>dE = beta·dE + scatter(dq).</summary>
    public override void Backward(Exec<T> x)
    {
        if (x.NeedsGrad(Inputs[0]))
            QuantizeLaunch.Scatter(x.Device, x.Grad(Output), x.Value(Inputs[1]), x.Grad(Inputs[0]), Inputs[0].Rows, Inputs[0].Cols, x.Beta(this, 0));
    }
}

/// <summary>count[k] = uses of code k among the indices, [1, K]; no gradient.</summary>
/// <param name="index">[M, 1] indices.</param>
public sealed class CodeCountsOp<T>(Node<T> index) : KernelOp<T>("code counts", index) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>True: counts have no gradient.</summary>
    public override bool StopsGradient => true;
    /// <summary>Nothing.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [];
    /// <summary>count[k] = #{m : index[m] = k}.</summary>
    public override void Forward(Exec<T> x) => QuantizeLaunch.Counts(x.Device, x.Value(Inputs[0]), x.Value(Output));
    /// <summary>Never called.</summary>
    public override void Backward(Exec<T> x) { }
}

/// <summary>The batch's codebook usage (fraction of codes used) or perplexity exp(−Σ p ln p) from the use counts, a [1, 1] statistic; no gradient.</summary>
/// <param name="counts">[1, K] use counts.</param>
/// <param name="perplexity">True for the perplexity, false for the usage.</param>
public sealed class CodebookStatisticOp<T>(Node<T> counts, bool perplexity) : KernelOp<T>(perplexity ? "code perplexity" : "codebook usage", counts)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>True: a statistic, not a differentiable term.</summary>
    public override bool StopsGradient => true;
    /// <summary>Nothing.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [];
    /// <summary>One element for the statistic not asked for (one kernel writes both).</summary>
    public override long ForwardScratch(Device device) => 1;

    /// <summary>Both statistics; the one asked for into the output.</summary>
    public override void Forward(Exec<T> x)
    {
        var other = x.Scratch(this);
        QuantizeLaunch.Statistics(x.Device, x.Value(Inputs[0]), perplexity ? other : x.Value(Output), perplexity ? x.Value(Output) : other);
    }

    /// <summary>Never called.</summary>
    public override void Backward(Exec<T> x) { }
}

/// <summary>How a VQ codebook changes outside the gradient: the EMA update and the dead-code restart.</summary>
/// <param name="Decay">γ of the EMA update, or null for none (the codebook then learns from its loss term).</param>
/// <param name="Epsilon">ε of the EMA's Laplace-smoothed counts.</param>
/// <param name="RestartAfter">Steps a code may go unused before it is restarted from a code vector of the batch (0: never).</param>
/// <param name="EmaCount">The EMA's running counts N [1, K] (with <paramref name="Decay"/>).</param>
/// <param name="EmaSum">The EMA's running sums S [K, D] (with <paramref name="Decay"/>).</param>
/// <param name="Idle">Steps each code has gone unused [1, K] (with <paramref name="RestartAfter"/> &gt; 0).</param>
public sealed record CodebookUpkeep<T>(double? Decay, double Epsilon, int RestartAfter, ModelBuffer<T>? EmaCount, ModelBuffer<T>? EmaSum, ModelBuffer<T>? Idle)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// The codebook's upkeep in a training forward pass, once per step (a pass repeated at the same step, as a gradient check's
/// probes are, leaves it alone): the EMA update E ← S/Ñ from the step's code vectors and their codes, then the dead-code
/// restart. It writes the codebook parameter and model buffers in place; its [1, 1] output carries nothing, and it has no gradient.
/// </summary>
public sealed class CodebookUpkeepOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly ParameterStore<T> _store;
    readonly CodebookUpkeep<T> _upkeep;
    ulong? _doneAt;

    /// <summary>The upkeep of <paramref name="codebook"/> [K, D] from code vectors <paramref name="z"/>, their <paramref name="index"/> and the <paramref name="counts"/>.</summary>
    public CodebookUpkeepOp(ParameterStore<T> store, CodebookUpkeep<T> upkeep, Node<T> z, Node<T> index, Node<T> counts, Node<T> codebook)
        : base("codebook upkeep", z, index, counts, codebook)
    {
        _store = store;
        _upkeep = upkeep;
        if (codebook.Kind != NodeKind.Parameter) throw new IlgpuAeException($"codebook upkeep: {codebook.Label} is not a parameter");
        if (upkeep.Decay is not null && (upkeep.EmaCount is null || upkeep.EmaSum is null)) throw new IlgpuAeException("codebook upkeep: the EMA update needs its count and sum buffers");
        if (upkeep.RestartAfter > 0 && upkeep.Idle is null) throw new IlgpuAeException("codebook upkeep: the dead-code restart needs its idle buffer");
    }

    /// <summary>True: model state, not a differentiable value.</summary>
    public override bool StopsGradient => true;
    /// <summary>Nothing.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [];

    /// <summary>EMA update, then restart; nothing when this step's upkeep is done.</summary>
    public override void Forward(Exec<T> x)
    {
        if (_doneAt == x.Step) return;
        _doneAt = x.Step;
        var (z, index, counts, codebookNode) = (Inputs[0], Inputs[1], Inputs[2], Inputs[3]);
        int dim = codebookNode.Cols;
        var codebook = x.Value(codebookNode);
        ArrayView<T> emaCount = default, emaSum = default;
        if (_upkeep.Decay is { } decay)
        {
            emaCount = _store.BufferOf(_upkeep.EmaCount!);
            emaSum = _store.BufferOf(_upkeep.EmaSum!);
            QuantizeLaunch.Ema(x.Device, x.Value(z), x.Value(index), x.Value(counts), emaCount, emaSum, codebook, dim, decay, _upkeep.Epsilon);
        }
        if (_upkeep.RestartAfter > 0)
            QuantizeLaunch.Restart(x.Device, x.Value(z), x.Value(counts), _store.BufferOf(_upkeep.Idle!), codebook, emaCount, emaSum,
                (int)index.Rows, dim, _upkeep.RestartAfter, (long)x.Step, _upkeep.Decay is not null);
    }

    /// <summary>Never called.</summary>
    public override void Backward(Exec<T> x) { }
}
