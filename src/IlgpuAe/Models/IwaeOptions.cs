namespace IlgpuAe.Models;

/// <summary>
/// An importance-weighted autoencoder: the VAE of <see cref="Vae"/> (diagonal posterior, N(0, I) prior) trained on the
/// K-sample bound instead of the ELBO, or, with <see cref="Groups"/> M &gt; 1, on MIWAE's average of M independent K-sample
/// bounds (Rainforth et al. 2018). Names follow the command-line options.
/// </summary>
public sealed record IwaeOptions
{
    /// <summary>Encoder, decoder and likelihood, as for a VAE; the posterior must be diagonal and the prior N(0, I). Default: the VAE's defaults.</summary>
    public VaeOptions Vae { get; init; } = new();

    /// <summary>Importance samples K per image, at least 1; K = 1 is the ELBO with a one-sample KL. Default 5.</summary>
    public int Samples { get; init; } = 5;

    /// <summary>
    /// Independent groups M of <see cref="Samples"/> K each per image, at least 1: the objective is MIWAE(M, K), the mean over
    /// the M groups of the K-sample bound, so M·K decoder rows per image. M = 1 is the IWAE; K = 1 is the ELBO averaged over M
    /// draws (the VAE with M samples). Rainforth et al. show the encoder's gradient signal fades as K grows for a fixed
    /// budget, and that splitting the budget into M groups restores it at the price of a looser bound. Default 1.
    /// </summary>
    public int Groups { get; init; } = 1;

    /// <summary>The most decoder rows per image (<see cref="Samples"/> × <see cref="Groups"/>) a model may ask for.</summary>
    public const int MaxRowsPerImage = 1 << 16;

    /// <summary>
    /// Throws <see cref="IlgpuAeException"/> naming the property (<see cref="OptionError"/>) when the samples or the groups are
    /// fewer than 1 or their product more than <see cref="MaxRowsPerImage"/> rows per image,
    /// the posterior is not diagonal, the prior is not N(0, I), beta is not 1 or a KL schedule is given (the bound has no KL
    /// term to weigh), or the VAE's own options do not validate.
    /// </summary>
    public void Validate()
    {
        if (Samples < 1) throw OptionError.For("IwaeOptions.Samples", $"must be at least 1, got {Samples}");
        if (Groups < 1) throw OptionError.For("IwaeOptions.Groups", $"must be at least 1, got {Groups}");
        if (Samples > MaxRowsPerImage) throw OptionError.For("IwaeOptions.Samples", $"must be at most {MaxRowsPerImage}, got {Samples}");
        if ((long)Samples * Groups > MaxRowsPerImage)
            throw OptionError.For("IwaeOptions.Groups",
                $"must be at most {MaxRowsPerImage / Samples} with {Samples} samples each (at most {MaxRowsPerImage} decoder rows per image), got {Groups}");
        ArgumentNullException.ThrowIfNull(Vae);
        Vae.Validate();
        if (Vae.Posterior != Posterior.Diag) throw OptionError.For("VaeOptions.Posterior", "must be diag for an iwae (its log q is the diagonal Gaussian's)");
        if (Vae.Prior != Prior.Normal) throw OptionError.For("VaeOptions.Prior", "must be normal for an iwae");
        if (Vae.Beta != 1 || Vae.BetaSchedule is not null)
            throw OptionError.For("VaeOptions.Beta", "must be 1 with no schedule for an iwae: the importance-weighted bound has no KL term to weigh");
        if (Vae.TcBeta is not null) throw OptionError.For("VaeOptions.TcBeta", "applies only to a vae, not an iwae");
    }
}
