using System.Numerics;
using IlgpuAe.Ops;

namespace IlgpuAe.Graph;

// Divergences between the aggregated codes of a batch and a prior: functions of the whole batch, not per-row means.
public sealed partial class GraphBuilder<T>
{
    /// <summary>
    /// The unbiased MMD² between the rows of <paramref name="z"/> and <paramref name="prior"/> (both [n, d], n ≥ 2) under
    /// <paramref name="kernel"/> with scale C = <paramref name="scale"/>; only z takes a gradient.
    /// </summary>
    public Node<T> Mmd(Node<T> z, Node<T> prior, MmdKernel kernel, double scale) =>
        Add(new MmdOp<T>(z, prior, kernel, T.CreateTruncating(scale)), 1, 1);
}
