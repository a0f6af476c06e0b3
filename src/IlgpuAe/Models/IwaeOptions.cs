namespace IlgpuAe.Models;

/// <summary>
/// An importance-weighted autoencoder: the VAE of <see cref="Vae"/> (diagonal posterior, N(0, I) prior) trained on the
/// K-sample bound instead of the ELBO. Names follow the command-line options.
/// </summary>
public sealed record IwaeOptions
{
    /// <summary>Encoder, decoder and likelihood, as for a VAE; the posterior must be diagonal and the prior N(0, I). Default: the VAE's defaults.</summary>
    public VaeOptions Vae { get; init; } = new();

    /// <summary>Importance samples K per image, at least 1; K = 1 is the ELBO with a one-sample KL. Default 5.</summary>
    public int Samples { get; init; } = 5;

    /// <summary>
    /// Throws <see cref="IlgpuAeException"/> naming the property (<see cref="OptionError"/>) when the samples are fewer than 1,
    /// the posterior is not diagonal, the prior is not N(0, I), beta is not 1 or a KL schedule is given (the bound has no KL
    /// term to weigh), or the VAE's own options do not validate.
    /// </summary>
    public void Validate()
    {
        if (Samples < 1) throw OptionError.For("IwaeOptions.Samples", $"must be at least 1, got {Samples}");
        ArgumentNullException.ThrowIfNull(Vae);
        Vae.Validate();
        if (Vae.Posterior != Posterior.Diag) throw OptionError.For("VaeOptions.Posterior", "must be diag for an iwae (its log q is the diagonal Gaussian's)");
        if (Vae.Prior != Prior.Normal) throw OptionError.For("VaeOptions.Prior", "must be normal for an iwae");
        if (Vae.Beta != 1 || Vae.BetaSchedule is not null)
            throw OptionError.For("VaeOptions.Beta", "must be 1 with no schedule for an iwae: the importance-weighted bound has no KL term to weigh");
        if (Vae.TcBeta is not null) throw OptionError.For("VaeOptions.TcBeta", "applies only to a vae, not an iwae");
    }
}
