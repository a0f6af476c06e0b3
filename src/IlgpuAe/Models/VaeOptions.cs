using System.Text.Json.Serialization;

namespace IlgpuAe.Models;

/// <summary>The posterior family of a VAE encoder.</summary>
public enum Posterior
{
    /// <summary>N(μ, diag e^{logσ²}): the encoder emits μ and logσ², d values each.</summary>
    Diag,
    /// <summary>N(μ, LLᵀ), L lower-triangular with a softplus-positive diagonal: the encoder emits μ and d·d raw factor values.</summary>
    Full,
}

/// <summary>The decoder likelihood p(x|z).</summary>
public enum Decoder
{
    /// <summary>Independent Bernoulli pixels on logits (binary cross-entropy); data in [0, 1].</summary>
    Bernoulli,
    /// <summary>N(x; μ, diag σ²) with logσ² learned per pixel, or one fixed value (<see cref="VaeOptions.DecoderLogVar"/>).</summary>
    Gaussian,
}

/// <summary>The prior p(z) of a VAE.</summary>
public enum Prior
{
    /// <summary>N(0, I); the KL is closed-form.</summary>
    Normal,
    /// <summary>A learned mixture Σ_k π_k N(m_k, diag σ²_k) of <see cref="VaeOptions.Components"/> components; the KL is a one-sample Monte-Carlo estimate.</summary>
    Gmm,
    /// <summary>
    /// The VampPrior (Tomczak and Welling 2018): p(z) = (1/K) Σ_k q(z|u_k), the mixture of the encoder's own posteriors at
    /// <see cref="VaeOptions.PseudoInputs"/> learned pseudo-inputs u_k; the KL is a one-sample Monte-Carlo estimate.
    /// </summary>
    Vamp,
}

/// <summary>Where the decoder's output bias starts.</summary>
public enum OutputBias
{
    /// <summary>As <see cref="VaeOptions.Initialisation"/> says (zero, or PyTorch's U(±1/√fan_in)).</summary>
    Init,
    /// <summary>
    /// At the training images' mean, pixel by pixel: logit(mean) for a Bernoulli decoder (the mean clamped to
    /// [0.001, 0.999]), the mean itself for a Gaussian one; set by <see cref="Vae{T}.InitialiseFromData"/>.
    /// </summary>
    DataMean,
}

/// <summary>Sizes and choices of a variational autoencoder; names follow the command-line options.</summary>
public sealed record VaeOptions
{
    /// <summary>Features of one input row (pixels of an image); also the decoder's output width. Default 784 (28×28).</summary>
    public int Features { get; init; } = 784;
    /// <summary>Encoder hidden sizes, input to code; the decoder uses them reversed. Each must be positive. Default [400].</summary>
    public int[] Hidden { get; init; } = [400];
    /// <summary>Dimension d of z. At least 1; a full posterior's factor head is d·d wide. Default 20.</summary>
    public int Latent { get; init; } = 20;
    /// <summary>Nonlinearity after every hidden layer of encoder and decoder. Default ReLU.</summary>
    public Activation Activation { get; init; } = Activation.Relu;
    /// <summary>Diagonal or full-covariance q(z|x). Default diagonal.</summary>
    public Posterior Posterior { get; init; } = Posterior.Diag;
    /// <summary>Bernoulli (BCE on logits, pixels in [0, 1]) or Gaussian p(x|z). Default Bernoulli.</summary>
    public Decoder Decoder { get; init; } = Decoder.Bernoulli;

    /// <summary>log σ² of a Gaussian decoder with fixed variance; null learns one per pixel.</summary>
    public double? DecoderLogVar { get; init; }

    /// <summary>Weight on the KL term; 1 is the ELBO.</summary>
    public double Beta { get; init; } = 1;

    /// <summary>N(0, I) (closed-form KL) or a learned Gaussian mixture (one-sample Monte-Carlo KL). Default N(0, I).</summary>
    public Prior Prior { get; init; } = Prior.Normal;
    /// <summary>Mixture components K of a GMM prior; at least 1 when <see cref="Prior"/> is Gmm, ignored otherwise. Default 10.</summary>
    public int Components { get; init; } = 10;
    /// <summary>
    /// Pseudo-inputs K of the VampPrior (<see cref="Prior.Vamp"/>): parameters "prior.pseudo_inputs" [K, Features], started at
    /// the first K training images plus U(±0.01) noise (<see cref="Vae{T}.InitialiseFromData"/>). Required (at least 1) with Vamp, else null.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? PseudoInputs { get; init; }
    /// <summary>
    /// How the linear layers start: PyTorch's nn.Linear default, weights and biases U(±1/√fan_in) (default), or the
    /// engine's He/Xavier with zero biases. On Fashion-MNIST the first ends 1.7 nats better after 5 epochs (README, "VAE quality bar").
    /// </summary>
    public InitScheme Initialisation { get; init; } = InitScheme.PyTorch;
    /// <summary>
    /// Where the decoder's output bias starts: at the data's pixel means (default; the untrained decoder predicts the
    /// average image, so early steps go into structure rather than into learning the mean) or as the initialisation says.
    /// </summary>
    public OutputBias OutputBias { get; init; } = OutputBias.DataMean;

    /// <summary>
    /// The KL weight's schedule: the weight at step s is <see cref="Beta"/>·BetaSchedule(s) (a warm-up such as
    /// <c>Schedule.Linear(0, 1, 5000)</c>, or <see cref="Schedule.Cyclical"/>); null keeps Beta at every step.
    /// Saved in the configuration as its grammar, so a schedule made with <see cref="Schedule.Of"/> cannot be saved.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Schedule? BetaSchedule { get; init; }

    /// <summary>
    /// The convolutional architecture (`--arch conv`): encoder convolutions, a dense layer of <see cref="ConvOptions.Dense"/>, the
    /// Gaussian head; the decoder mirrors it with transposed convolutions. <see cref="Hidden"/> is then unused. Null (default): the MLP.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ConvOptions? Conv { get; init; }

    /// <summary>
    /// β-TCVAE (Chen et al. 2018): the KL is split into index-code mutual information ("mi", weight 1), total correlation
    /// ("tc", weight TcBeta) and dimension-wise KL ("dwkl", weight 1), estimated by minibatch-weighted sampling over each batch.
    /// Null (default): the plain KL term. Needs the diagonal posterior, the N(0, I) prior, Beta 1 without a schedule, and
    /// <see cref="TcDataSize"/>.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? TcBeta { get; init; }

    /// <summary>The training set's size N of the minibatch-weighted estimate, log q(z) ≈ LSE_j log q(z|x_j) − log(N·B); required with <see cref="TcBeta"/> (the CLI sets it from the data).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? TcDataSize { get; init; }

    /// <summary>
    /// Throws <see cref="IlgpuAeException"/> naming the property (<see cref="OptionError"/>, e.g. "VaeOptions.Latent must be at least 1") when features or
    /// latent are not positive, hidden is empty or holds a non-positive size, a GMM prior has no components, beta is negative or
    /// not finite, or the fixed decoder log-variance is not finite.
    /// </summary>
    public void Validate()
    {
        if (Features <= 0) throw OptionError.For("VaeOptions.Features", $"must be positive, got {Features}");
        if (Latent <= 0)
            throw OptionError.For("VaeOptions.Latent", Posterior == Posterior.Full
                ? $"must be at least 1 for a full-covariance posterior, got {Latent}"
                : $"must be at least 1, got {Latent}");
        if (Hidden is null || Hidden.Length == 0 || Hidden.Any(h => h <= 0))
            throw OptionError.For("VaeOptions.Hidden", $"needs at least one positive size, got [{string.Join(",", Hidden ?? [])}]");
        if (Prior == Prior.Gmm && Components <= 0)
            throw OptionError.For("VaeOptions.Components", $"must be at least 1 for a mixture prior, got {Components}");
        if (Prior == Prior.Vamp)
        {
            if (PseudoInputs is not { } k || k < 1)
                throw OptionError.For("VaeOptions.PseudoInputs", $"must be at least 1 for the VampPrior, got {PseudoInputs?.ToString() ?? "none"}");
            if (Posterior != Posterior.Diag)
                throw OptionError.For("VaeOptions.Prior", "the VampPrior mixes diagonal posteriors: it needs the diagonal posterior (--posterior diag)");
        }
        else if (PseudoInputs is not null) throw OptionError.For("VaeOptions.PseudoInputs", "applies only to the VampPrior (Prior.Vamp)");
        if (!double.IsFinite(Beta) || Beta < 0) throw OptionError.For("VaeOptions.Beta", $"must be a finite number of at least 0, got {Beta}");
        if (DecoderLogVar is { } lv && !double.IsFinite(lv)) throw OptionError.For("VaeOptions.DecoderLogVar", $"must be finite, got {lv}");
        Conv?.Validate(Features);
        if (TcBeta is { } tc)
        {
            if (!double.IsFinite(tc) || tc < 0) throw OptionError.For("VaeOptions.TcBeta", $"must be a finite number of at least 0, got {tc}");
            if (Posterior != Posterior.Diag) throw OptionError.For("VaeOptions.TcBeta", "needs the diagonal posterior (--posterior diag)");
            if (Prior != Prior.Normal) throw OptionError.For("VaeOptions.TcBeta", "needs the N(0, I) prior (--prior normal)");
            if (Beta != 1 || BetaSchedule is not null)
                throw OptionError.For("VaeOptions.TcBeta", "replaces the KL's weight: leave Beta at 1 without a schedule (the total correlation's weight is TcBeta)");
            if (TcDataSize is not { } n || n < 1) throw OptionError.For("VaeOptions.TcDataSize", $"must be the training set's size (at least 1) with TcBeta, got {TcDataSize?.ToString() ?? "none"}");
        }
        else if (TcDataSize is not null) throw OptionError.For("VaeOptions.TcDataSize", "applies only with TcBeta");
    }
}
