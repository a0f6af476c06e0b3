using System.Globalization;

namespace IlgpuAe.Ops;

/// <summary>The input corruptions a denoising autoencoder knows.</summary>
public enum NoiseKind
{
    /// <summary>x~ = x + σ·N(0, 1) per element; <see cref="Corruption.Level"/> is σ.</summary>
    Gaussian,
    /// <summary>x~ = 0 with probability p, else x (masking noise); <see cref="Corruption.Level"/> is p.</summary>
    Mask,
    /// <summary>x~ = 0 or 1 (equal odds) with probability p, else x; <see cref="Corruption.Level"/> is p.</summary>
    SaltPepper,
}

/// <summary>C(x~|x): which noise and how much (σ for Gaussian noise, p for masking and salt-and-pepper).</summary>
/// <param name="Kind">Which noise.</param>
/// <param name="Level">σ (&gt; 0) for Gaussian noise, the probability p in [0, 1] otherwise.</param>
public sealed record Corruption(NoiseKind Kind, double Level)
{
    /// <summary>
    /// Raises one <see cref="IlgpuAeException"/> naming the property (<c>Corruption.Level</c>, in <see cref="IlgpuAeException.Option"/>)
    /// when the level is meaningless; the noise's <see cref="Name"/> rides in the exception's <c>Data["noise"]</c>, since what the
    /// level means (σ or p) depends on it.
    /// </summary>
    public void Validate()
    {
        string level = Level.ToString(CultureInfo.InvariantCulture);
        if (Kind == NoiseKind.Gaussian && !(double.IsFinite(Level) && Level > 0))
            throw Refused($"must be a standard deviation greater than 0 for gaussian noise, got {level}");
        if (Kind != NoiseKind.Gaussian && !(Level >= 0 && Level <= 1))
            throw Refused($"must be a probability in [0, 1] for {Name} noise, got {level}");
    }

    IlgpuAeException Refused(string problem)
    {
        var e = Models.OptionError.For("Corruption.Level", problem);
        e.Data["noise"] = Name;
        return e;
    }

    /// <summary>The name on the command line and in checkpoints.</summary>
    public string Name => Kind switch
    {
        NoiseKind.Gaussian => "gaussian",
        NoiseKind.Mask => "mask",
        _ => "saltpepper",
    };

    /// <summary>"gaussian sigma 0.3", or "mask p 0.25" / "saltpepper p 0.25", for logs.</summary>
    public override string ToString() =>
        Kind == NoiseKind.Gaussian ? $"gaussian sigma {Level.ToString(CultureInfo.InvariantCulture)}" : $"{Name} p {Level.ToString(CultureInfo.InvariantCulture)}";
}
