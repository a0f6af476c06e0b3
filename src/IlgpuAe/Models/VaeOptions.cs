using IlgpuAe.Kernels;

namespace IlgpuAe.Models;

/// <summary>The posterior family of a VAE encoder.</summary>
public enum Posterior { Diag, Full }

/// <summary>The decoder likelihood p(x|z).</summary>
public enum Decoder { Bernoulli, Gaussian }

/// <summary>The prior p(z) of a VAE.</summary>
public enum Prior { Normal, Gmm }

/// <summary>Sizes and choices of a variational autoencoder; names follow the command-line options.</summary>
public sealed record VaeOptions
{
    public int Features { get; init; } = 784;
    public int[] Hidden { get; init; } = [400];
    public int Latent { get; init; } = 20;
    public Activation Activation { get; init; } = Activation.Relu;
    public Posterior Posterior { get; init; } = Posterior.Diag;
    public Decoder Decoder { get; init; } = Decoder.Bernoulli;

    /// <summary>log σ² of a Gaussian decoder with fixed variance; null learns one per pixel.</summary>
    public double? DecoderLogVar { get; init; }

    /// <summary>Weight on the KL term; 1 is the ELBO.</summary>
    public double Beta { get; init; } = 1;

    public Prior Prior { get; init; } = Prior.Normal;
    public int Components { get; init; } = 10;

    public void Validate()
    {
        if (Features <= 0) throw new IlgpuAeException($"features must be positive, got {Features}");
        if (Latent <= 0)
            throw new IlgpuAeException(Posterior == Posterior.Full
                ? $"--posterior full needs a latent size of at least 1 (--latent), got {Latent}"
                : $"--latent must be at least 1, got {Latent}");
        if (Hidden.Length == 0 || Hidden.Any(h => h <= 0))
            throw new IlgpuAeException($"--hidden needs at least one positive size, got [{string.Join(",", Hidden)}]");
        if (Prior == Prior.Gmm && Components <= 0)
            throw new IlgpuAeException($"--components must be at least 1 for --prior gmm, got {Components}");
        if (!double.IsFinite(Beta) || Beta < 0) throw new IlgpuAeException($"--beta must be a finite number of at least 0, got {Beta}");
        if (DecoderLogVar is { } lv && !double.IsFinite(lv)) throw new IlgpuAeException("the decoder's fixed log-variance must be finite");
    }
}
