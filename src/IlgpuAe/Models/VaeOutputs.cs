using System.Numerics;
using IlgpuAe.Graph;

namespace IlgpuAe.Models;

/// <summary>What the diagnostics and pictures of a variational model read from its evaluation graph.</summary>
public interface IVariationalModel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Dimension d of z: the columns of the "z", "mean" and "eps" outputs.</summary>
    int Latent { get; }
    /// <summary>The covariance family of q, which says whether "scale" is logσ² [rows, d] or L [rows, d·d].</summary>
    Posterior Posterior { get; }

    /// <summary>
    /// log p(z) per row; <paramref name="plan"/> is the evaluation plan that produced z, where a
    /// conditional model reads its prior p(z|c).
    /// </summary>
    double[] LogPrior(Plan<T> plan, double[] z, int rows);

    /// <summary>Feeds each image of <paramref name="batch"/> <paramref name="repeats"/> times in a row, with one condition per image.</summary>
    void FeedRepeated(Plan<T> plan, Batch batch, int repeats);
}

/// <summary>The named outputs every variational evaluation graph keeps.</summary>
public static class VariationalOutputs
{
    /// <summary>
    /// mean, scale (logσ² or L), eps, z, reconstruction (the decoder's mean image), logits (its raw
    /// output) and row_nll (−log p(x|z) per row).
    /// </summary>
    public static void Add<T>(GraphBuilder<T> g, PosteriorNodes<T> q, LikelihoodDecoder<T> decoder,
        (Node<T> Out, Node<T>? LogVar) d, Node<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.Output("mean", q.Mean);
        g.Output("scale", q.Scale);
        g.Output("eps", q.Eps);
        g.Output("z", q.Z);
        g.Output("logits", d.Out);
        g.Output("reconstruction", decoder.MeanImage(g, d));
        g.Output("row_nll", decoder.RowNll(g, d, x));
    }
}
