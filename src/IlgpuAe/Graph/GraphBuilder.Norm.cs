using System.Numerics;
using IlgpuAe.Compute;
using IlgpuAe.Kernels;
using IlgpuAe.Ops;

namespace IlgpuAe.Graph;

// Normalisations: nodes stay [B, C·H·W]; channels and the plane size say how the columns are NCHW maps.
public sealed partial class GraphBuilder<T>
{
    /// <summary>
    /// nn.BatchNorm2d(C, eps, momentum) on x [B, C·plane]: γ, β [1, C] parameters, running mean and variance [1, C] buffers of
    /// the store. <paramref name="statistics"/> defaults to the graph's mode, as train() and eval() choose: a training graph
    /// normalises with the batch's statistics and moves the running ones (by momentum) every forward pass, an evaluation graph
    /// uses the running ones. <see cref="NormStatistics.Running"/> in a training graph freezes them (gradients still flow).
    /// </summary>
    public Node<T> BatchNorm2d(Node<T> x, int channels, int plane, Parameter<T> gamma, Parameter<T> beta,
        ModelBuffer<T> runningMean, ModelBuffer<T> runningVariance, NormStatistics? statistics = null, double eps = 1e-5, double momentum = 0.1) =>
        Add(new Norm2dOp<T>(x, Param(gamma), Param(beta), NormShape.BatchNorm(x.Rows, channels, plane),
            statistics ?? (Training ? NormStatistics.Batch : NormStatistics.Running), T.CreateTruncating(eps), T.CreateTruncating(momentum),
            Parameters, runningMean, runningVariance), x.Rows, x.Cols);

    /// <summary>nn.GroupNorm(groups, C, eps) on x [B, C·plane]: statistics per image and group of C/groups channels, in every mode; γ, β [1, C].</summary>
    public Node<T> GroupNorm(Node<T> x, int channels, int plane, int groups, Parameter<T> gamma, Parameter<T> beta, double eps = 1e-5) =>
        Add(new Norm2dOp<T>(x, Param(gamma), Param(beta), NormShape.GroupNorm(x.Rows, channels, plane, groups), NormStatistics.Batch,
            T.CreateTruncating(eps), T.Zero), x.Rows, x.Cols);
}
