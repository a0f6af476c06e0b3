using System.Numerics;
using IlgpuAe.Ops;

namespace IlgpuAe.Graph;

// The stochastic vocabulary: sampling, divergences and likelihoods of variational models.
public sealed partial class GraphBuilder<T>
{
    // Each random op of a graph draws from its own Philox stream, numbered in declaration order,
    // so that the same model built twice draws the same numbers.
    int _randomStreams;

    int NextStream() => ++_randomStreams;

    /// <summary>ε ~ N(0, I) of shape [rows (default: the batch), cols], fixed by (seed, step, op).</summary>
    public Node<T> Noise(int cols, int? rows = null) => Add(new NoiseOp<T>(NextStream()), rows ?? Batch, cols);

    /// <summary>z = μ + e^{½logσ²}·ε.</summary>
    public Node<T> Reparameterize(Node<T> mean, Node<T> logVar, Node<T> eps) =>
        Add(new ReparameterizeDiagonalOp<T>(mean, logVar, eps), mean.Rows, mean.Cols);

    /// <summary>z = μ + L·ε with L [rows, dim·dim] lower-triangular.</summary>
    public Node<T> ReparameterizeFull(Node<T> mean, Node<T> l, Node<T> eps) =>
        Add(new ReparameterizeFullOp<T>(mean, l, eps), mean.Rows, mean.Cols);

    /// <summary>A lower-triangular factor with a positive diagonal (softplus + <paramref name="floor"/>) from an unconstrained [rows, dim·dim] node.</summary>
    public Node<T> TriangularFactor(Node<T> raw, int dim, double floor = 1e-3) =>
        Add(new TriangularFactorOp<T>(raw, dim, T.CreateTruncating(floor)), raw.Rows, raw.Cols);

    /// <summary>Mean over rows of KL(N(μ, diag e^{logσ²}) || N(0, I)).</summary>
    public Node<T> KlStandardNormal(Node<T> mean, Node<T> logVar) => Add(new KlOp<T>(KlKind.StandardNormalDiagonal, mean, logVar), 1, 1);

    /// <summary>Mean over rows of KL(N(μ, LLᵀ) || N(0, I)).</summary>
    public Node<T> KlStandardNormalFull(Node<T> mean, Node<T> l) => Add(new KlOp<T>(KlKind.StandardNormalFull, mean, l), 1, 1);

    /// <summary>Mean over rows of KL(N(μq, diag) || N(μp, diag)): a learned conditional prior.</summary>
    public Node<T> KlGaussians(Node<T> meanQ, Node<T> logVarQ, Node<T> meanP, Node<T> logVarP) =>
        Add(new KlOp<T>(KlKind.DiagonalGaussians, meanQ, logVarQ, meanP, logVarP), 1, 1);

    /// <summary>Mean over rows of log q(z|x) − log p(z) at the sample z = μ + B·ε, p a learned Gaussian mixture.</summary>
    public Node<T> KlGmmMonteCarlo(Node<T> z, Node<T> eps, Node<T> scale, PosteriorKind posterior,
        Node<T> means, Node<T> logVars, Node<T> logits) =>
        Add(new MonteCarloGmmKlOp<T>(z, eps, scale, posterior, means, logVars, logits), 1, 1);

    /// <summary>Mean over rows of −log N(x; μ, diag e^{logσ²}) with a learned logσ² of μ's shape.</summary>
    public Node<T> GaussianNll(Node<T> mean, Node<T> logVar, Node<T> target) => Add(new GaussianNllOp<T>(mean, logVar, target), 1, 1);

    /// <summary>Mean over rows of −log N(x; μ, e^{logσ²} I) with one fixed logσ².</summary>
    public Node<T> GaussianNll(Node<T> mean, Node<T> target, double fixedLogVar) =>
        Add(new GaussianNllOp<T>(mean, target, T.CreateTruncating(fixedLogVar)), 1, 1);

    /// <summary>−log p(x|z) per row, [rows, 1], for evaluation only (no backward).</summary>
    public Node<T> RowReconstruction(Likelihood kind, double fixedLogVar, params Node<T>[] inputs) =>
        Add(new RowReconstructionOp<T>(kind, T.CreateTruncating(fixedLogVar), inputs), inputs[0].Rows, 1);

    /// <summary>The images with one random block×block square set to 0 each (a corrupted condition).</summary>
    public Node<T> BlockMask(Node<T> images, int height, int width, int block) =>
        Add(new BlockMaskOp<T>(images, height, width, block, NextStream()), images.Rows, images.Cols);
}
