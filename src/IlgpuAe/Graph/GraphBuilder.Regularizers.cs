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

    /// <summary>f'(y) elementwise from a layer's output y; its gradient continues through df'/dy.</summary>
    public Node<T> ActivationSlope(Node<T> y, Activation activation, double? slope = null) =>
        Add(new SlopeOp<T>(y, activation, T.CreateTruncating(slope ?? DefaultSlope(activation))), y.Rows, y.Cols);

    /// <summary>
    /// (1/rows)·Σ_r ‖∂h_r/∂x_r‖²_F for a one-layer encoder h = f(x·Wᵀ + b), by the fused kernel
    /// Σ_j f'(a_j)²·‖W_j‖². <paramref name="h"/> must be that layer's output.
    /// </summary>
    public Node<T> ContractivePenalty(Node<T> h, Parameter<T> weight, Activation activation, double? slope = null) =>
        Add(new FusedContractiveOp<T>(h, Param(weight), activation, T.CreateTruncating(slope ?? DefaultSlope(activation)),
            T.One / T.CreateTruncating(h.Rows)), 1, 1);

    /// <summary>
    /// The encoder's Jacobian ∂h/∂x of every row, stacked [rows·code, inputs] (row (b, c) holds ∂h_bc/∂x_b):
    /// J = D_L·W_L·…·D_1·W_1 with D_l = diag(f_l'(y_l)), built from the code side so that no
    /// intermediate is wider than [rows·code, widest layer]. Its gradient is reverse-mode through the chain.
    /// </summary>
    public Node<T> EncoderJacobian(IReadOnlyList<JacobianLayer<T>> layers)
    {
        if (layers.Count == 0) throw new ArgumentException("an encoder Jacobian needs at least one layer");
        var last = layers[^1];
        var lastW = Param(last.Weight);
        var (rows, cols) = RowScaleOp<T>.Shape(last.Output, lastW);
        var k = Add(new RowScaleOp<T>(ActivationSlope(last.Output, last.Activation, last.Slope), lastW), rows, cols);
        for (int l = layers.Count - 2; l >= 0; l--)
        {
            var layer = layers[l];
            k = Add(new ColumnScaleOp<T>(k, ActivationSlope(layer.Output, layer.Activation, layer.Slope)), k.Rows, k.Cols);
            k = MatMul(k, Param(layer.Weight));
        }
        return k;
    }

    /// <summary>(1/rows)·Σ_r ‖∂h_r/∂x_r‖²_F exactly: fused for one layer, through <see cref="EncoderJacobian"/> otherwise.</summary>
    public Node<T> ExactContractive(IReadOnlyList<JacobianLayer<T>> layers)
    {
        if (layers.Count == 1) return ContractivePenalty(layers[0].Output, layers[0].Weight, layers[0].Activation, layers[0].Slope);
        var j = EncoderJacobian(layers);
        return Sum(Mul(j, j), 1.0 / layers[0].Output.Rows);
    }

    /// <summary>
    /// Hutchinson's estimate of (1/rows)·Σ_r ‖J_r‖²_F: the mean over <paramref name="probes"/> probes
    /// v ~ N(0, I) (new each step) of ‖J_r·v‖², unbiased because E[vvᵀ] = I. J·v is built forward
    /// (u ← f_l'(y_l) ⊙ (u·W_lᵀ)), and the gradient is reverse-mode through that product: the exact
    /// gradient of the estimate for the drawn probes, itself unbiased for the penalty's gradient.
    /// </summary>
    public Node<T> HutchinsonContractive(IReadOnlyList<JacobianLayer<T>> layers, int probes)
    {
        if (layers.Count == 0) throw new ArgumentException("a Hutchinson estimate needs at least one layer");
        if (probes <= 0) throw new IlgpuAeException($"the Hutchinson estimate needs at least one probe, got {probes}");
        int rows = layers[0].Output.Rows, inputs = layers[0].Weight.Cols;
        var slopes = layers.Select(l => ActivationSlope(l.Output, l.Activation, l.Slope)).ToArray();
        Node<T>? total = null;
        for (int p = 0; p < probes; p++)
        {
            var u = Add(new NormalProbeOp<T>(++_randomOps), rows, inputs);
            for (int l = 0; l < layers.Count; l++)
                u = Mul(MatMul(u, Param(layers[l].Weight), transB: true), slopes[l]);
            var squares = Sum(Mul(u, u), 1.0 / ((double)rows * probes));
            total = total is null ? squares : Add(total, squares);
        }
        return total!;
    }
}

/// <summary>One layer of an encoder as its Jacobian sees it: the layer's output y = f(x·Wᵀ + b), W, f and f's parameter.</summary>
/// <param name="Output">y, the layer's output node [batch, units].</param>
/// <param name="Weight">W [units, inputs].</param>
/// <param name="Activation">f, whose derivative f'(y) enters the Jacobian.</param>
/// <param name="Slope">LeakyReLU's slope or ELU's scale; null for the default.</param>
public sealed record JacobianLayer<T>(Node<T> Output, Parameter<T> Weight, Activation Activation, double? Slope = null)
    where T : unmanaged, IFloatingPointIeee754<T>;
