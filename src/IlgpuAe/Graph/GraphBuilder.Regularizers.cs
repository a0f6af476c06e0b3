using System.Numerics;
using IlgpuAe.Ops;

namespace IlgpuAe.Graph;

// The regularisers' vocabulary: corruption, sparsity and contraction penalties, code statistics.
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
}
