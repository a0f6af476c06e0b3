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

    /// <summary>
    /// One <paramref name="part"/> of the KL of a diagonal-posterior VAE (β-TCVAE, minibatch-weighted sampling over the batch, a
    /// training set of <paramref name="dataSize"/> images): codes <paramref name="z"/>, posterior means and log-variances, all [B, d].
    /// </summary>
    public Node<T> KlPart(Node<T> z, Node<T> mean, Node<T> logVar, KlPart part, int dataSize) =>
        Add(new TotalCorrelationOp<T>(z, mean, logVar, part, dataSize), 1, 1);
}
