using System.Text.Json.Serialization;

namespace IlgpuAe.Models;

/// <summary>What a conditional VAE is conditioned on.</summary>
public enum Condition
{
    /// <summary>The one-hot class label.</summary>
    Label,
    /// <summary>A copy of the image with a random square block hidden: the structured-output (completion) task.</summary>
    Masked,
    /// <summary>
    /// The quadrant task (<see cref="QuadrantTask"/>): <see cref="CvaeOptions.Given"/> quadrants given, hidden pixels −1 in c;
    /// the reconstruction term scores the hidden quadrants only.
    /// </summary>
    Quadrants,
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
    /// <summary>Features of one input row; width·height for a masked condition. Default 784.</summary>
    public int Features { get; init; } = 784;
    /// <summary>Image width in pixels; used by the masked condition (above 1, width·height = features). Default 28.</summary>
    public int Width { get; init; } = 28;
    /// <summary>Image height in pixels; used by the masked condition (above 1, width·height = features). Default 28.</summary>
    public int Height { get; init; } = 28;
    /// <summary>Classes of the labels, the one-hot width of a label condition; labels must be below it. Default 10.</summary>
    public int Classes { get; init; } = 10;
    /// <summary>Hidden sizes of encoder and prior network (input to code); the decoder uses them reversed. Each must be positive. Default [400].</summary>
    public int[] Hidden { get; init; } = [400];
    /// <summary>Dimension d of z, at least 1. Default 20.</summary>
    public int Latent { get; init; } = 20;
    /// <summary>Nonlinearity after every hidden layer of encoder, decoder and prior network. Default ReLU.</summary>
    public Activation Activation { get; init; } = Activation.Relu;
    /// <summary>What c is: a one-hot label or a block-masked copy of the image. Default label.</summary>
    public Condition Condition { get; init; } = Condition.Label;
    /// <summary>p(z|c): learned from c, fixed N(0, I), or none (no KL term). Default learned.</summary>
    public ConditionalPrior Prior { get; init; } = ConditionalPrior.Learned;

    /// <summary>Side of the hidden square of <see cref="Condition.Masked"/>.</summary>
    public int Block { get; init; } = 14;

    /// <summary>Quadrants given (1, 2 or 3) of <see cref="Condition.Quadrants"/>; required with it, null otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Given { get; init; }

    /// <summary>Weight on the KL term; 1 is the conditional ELBO. Finite and at least 0. Default 1.</summary>
    public double Beta { get; init; } = 1;

    /// <summary>
    /// The convolutional architecture (`--arch conv`): convolutions before the encoder's dense layer (where c enters) and transposed
    /// convolutions after the decoder's (c enters its first layer); the prior network is c → Dense. Null (default): the MLP.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public ConvOptions? Conv { get; init; }

    /// <summary>Columns of the condition input c.</summary>
    public int ConditionCols => Condition == Condition.Label ? Classes : Features;

    /// <summary>The KL weight's schedule, as <see cref="VaeOptions.BetaSchedule"/>: Beta·BetaSchedule(step); null keeps Beta.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Schedule? BetaSchedule { get; init; }

    /// <summary>
    /// Throws <see cref="IlgpuAeException"/> naming the property (<see cref="OptionError"/>) naming the property when features or latent are not positive, hidden is
    /// empty or holds a non-positive size, beta is negative or not finite, a label condition has no classes, or a masked
    /// condition's width·height is not the features (or a side is 1 or less) or the block is not in 1..min(width, height).
    /// </summary>
    public void Validate()
    {
        if (Features <= 0) throw OptionError.For("CvaeOptions.Features", $"must be positive, got {Features}");
        if (Latent <= 0) throw OptionError.For("CvaeOptions.Latent", $"must be at least 1, got {Latent}");
        if (Hidden is null || Hidden.Length == 0 || Hidden.Any(h => h <= 0))
            throw OptionError.For("CvaeOptions.Hidden", $"needs at least one positive size, got [{string.Join(",", Hidden ?? [])}]");
        if (!double.IsFinite(Beta) || Beta < 0) throw OptionError.For("CvaeOptions.Beta", $"must be a finite number of at least 0, got {Beta}");
        Conv?.Validate(Features);
        if (Condition == Condition.Label && Classes <= 0) throw OptionError.For("CvaeOptions.Classes", $"must be at least 1 for a label condition, got {Classes}");
        if (Condition == Condition.Quadrants)
        {
            if (Width <= 1 || Height <= 1 || Width * Height != Features)
                throw OptionError.For("CvaeOptions.Condition", $"Quadrants needs image data (width and height above 1, width·height = features); the data is {Width}x{Height} with {Features} features");
            if (Given is not (1 or 2 or 3)) throw OptionError.For("CvaeOptions.Given", $"must be 1, 2 or 3 quadrants for the quadrant task, got {Given?.ToString() ?? "none"}");
        }
        else if (Given is not null) throw OptionError.For("CvaeOptions.Given", "applies only to the quadrant task (Condition.Quadrants)");
        if (Condition == Condition.Masked)
        {
            if (Width <= 1 || Height <= 1 || Width * Height != Features)
                throw OptionError.For("CvaeOptions.Condition", $"Masked needs image data (width and height above 1, width·height = features); the data is {Width}x{Height} with {Features} features");
            if (Block <= 0 || Block > Math.Min(Width, Height))
                throw OptionError.For("CvaeOptions.Block", $"must be between 1 and {Math.Min(Width, Height)} for {Width}x{Height} images, got {Block}");
        }
    }
}
