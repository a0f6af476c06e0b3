using System.Numerics;
using IlgpuAe.Ops;

namespace IlgpuAe.Graph;

// The regularisers' vocabulary: corruption, sparsity and contraction penalties, code statistics.
// Penalties are per image (averaged over the batch rows) like the reconstruction loss, so that a
// weight λ means the same at every batch size; KL sparsity is the exception, a function of the
// batch's mean activations.
public sealed partial class GraphBuilder<T>
{
    // Each random op of a graph draws from its own Philox stream (see RandomStreams).
    ulong _randomOps;

    /// <summary>A corrupted copy x~ ~ C(x~|x), new each step; no gradient flows back to x.</summary>
    public Node<T> Corrupt(Node<T> x, Corruption corruption)
    {
        corruption.Validate();
        return Add(new CorruptionOp<T>(x, corruption, ++_randomOps), x.Rows, x.Cols);
    }

    /// <summary>(1/rows)·Σ |h|: the L1 sparsity penalty per image.</summary>
    public Node<T> L1Penalty(Node<T> h) => Add(new L1PenaltyOp<T>(h, T.One / T.CreateTruncating(h.Rows)), 1, 1);

    /// <summary>Σ_units KL(ρ ‖ ρ̂_unit), ρ̂ the batch mean of each unit of a code in (0, 1).</summary>
    public Node<T> KlSparsity(Node<T> h, double rho)
    {
        if (!(rho > 0 && rho < 1)) throw new IlgpuAeException($"the KL sparsity target rho must be in (0, 1), got {rho}");
        return Add(new KlSparsityOp<T>(h, T.CreateTruncating(rho)), 1, 1);
    }

    /// <summary>mean |h| over every element, with no gradient: a statistic to report as a weight-0 term.</summary>
    public Node<T> MeanAbs(Node<T> h) => Add(new L1PenaltyOp<T>(h, T.One / T.CreateTruncating(h.Length), detached: true), 1, 1);

    /// <summary>The fraction of elements with |h| below <paramref name="threshold"/>, with no gradient.</summary>
    public Node<T> FractionBelow(Node<T> h, double threshold) =>
        Add(new FractionBelowOp<T>(h, T.CreateTruncating(threshold)), 1, 1);
}
