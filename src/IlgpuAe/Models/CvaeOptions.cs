using IlgpuAe.Kernels;

namespace IlgpuAe.Models;

/// <summary>What a conditional VAE is conditioned on.</summary>
public enum Condition
{
    /// <summary>The one-hot class label.</summary>
    Label,
    /// <summary>A copy of the image with a random square block hidden: the structured-output (completion) task.</summary>
    Masked,
}

/// <summary>The prior p(z|c) of a conditional VAE.</summary>
public enum ConditionalPrior
{
    /// <summary>A prior network c → N(μ(c), diag σ²(c)); KL between two Gaussians.</summary>
    Learned,
    /// <summary>N(0, I) whatever c is.</summary>
    Fixed,
    /// <summary>No KL term: a conditional autoencoder with a noisy code. Test-time samples use N(0, I).</summary>
    None,
}

/// <summary>Sizes and choices of a conditional VAE; names follow the command-line options.</summary>
public sealed record CvaeOptions
{
    public int Features { get; init; } = 784;
    public int Width { get; init; } = 28;
    public int Height { get; init; } = 28;
    public int Classes { get; init; } = 10;
    public int[] Hidden { get; init; } = [400];
    public int Latent { get; init; } = 20;
    public Activation Activation { get; init; } = Activation.Relu;
    public Condition Condition { get; init; } = Condition.Label;
    public ConditionalPrior Prior { get; init; } = ConditionalPrior.Learned;

    /// <summary>Side of the hidden square of <see cref="Condition.Masked"/>.</summary>
    public int Block { get; init; } = 14;

    public double Beta { get; init; } = 1;

    /// <summary>Columns of the condition input c.</summary>
    public int ConditionCols => Condition == Condition.Label ? Classes : Features;

    public void Validate()
    {
        if (Features <= 0) throw new IlgpuAeException($"features must be positive, got {Features}");
        if (Latent <= 0) throw new IlgpuAeException($"--latent must be at least 1, got {Latent}");
        if (Hidden.Length == 0 || Hidden.Any(h => h <= 0))
            throw new IlgpuAeException($"--hidden needs at least one positive size, got [{string.Join(",", Hidden)}]");
        if (!double.IsFinite(Beta) || Beta < 0) throw new IlgpuAeException($"--beta must be a finite number of at least 0, got {Beta}");
        if (Condition == Condition.Label && Classes <= 0) throw new IlgpuAeException($"--condition label needs at least one class, got {Classes}");
        if (Condition == Condition.Masked)
        {
            if (Width <= 1 || Height <= 1 || Width * Height != Features)
                throw new IlgpuAeException($"--condition masked needs image data (width and height above 1, width·height = features); the data is {Width}x{Height} with {Features} features");
            if (Block <= 0 || Block > Math.Min(Width, Height))
                throw new IlgpuAeException($"--block must be between 1 and {Math.Min(Width, Height)} for {Width}x{Height} images, got {Block}");
        }
    }
}
