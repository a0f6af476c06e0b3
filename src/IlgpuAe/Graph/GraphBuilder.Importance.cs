using System.Numerics;
using IlgpuAe.Ops;

namespace IlgpuAe.Graph;

// Importance-weighted objectives: K samples per row, laid out sample-major (row k·B + b is sample k of row b).
public sealed partial class GraphBuilder<T>
{
    /// <summary>K sample-major copies of x [rows, cols]: [K·rows, cols]; the gradient sums the copies.</summary>
    public Node<T> TileRows(Node<T> x, int copies) => Add(new TileRowsOp<T>(x, copies), x.Rows * copies, x.Cols);

    /// <summary>−log p(x|z) per row, [rows, 1], with a gradient (the training counterpart of <see cref="RowReconstruction"/>).</summary>
    public Node<T> RowNll(Likelihood kind, double fixedLogVar, params Node<T>[] inputs) =>
        Add(new RowNllOp<T>(kind, T.CreateTruncating(fixedLogVar), inputs), inputs[0].Rows, 1);

    /// <summary>log N(z; 0, I) − log q(z|x) per row, [rows, 1], at z = μ + e^{½logσ²}·ε of a diagonal posterior.</summary>
    public Node<T> LogPriorRatio(Node<T> z, Node<T> eps, Node<T> logVar) => Add(new LogPriorRatioOp<T>(z, eps, logVar), z.Rows, 1);

    /// <summary>−(1/B)·Σ_b log (1/K)·Σ_k e^{a_kb} of sample-major log-weights a [K·B, 1]: the negative importance-weighted bound.</summary>
    public Node<T> NegLogMeanExp(Node<T> logWeights, int samples) => Add(new NegLogMeanExpOp<T>(logWeights, samples), 1, 1);
}
