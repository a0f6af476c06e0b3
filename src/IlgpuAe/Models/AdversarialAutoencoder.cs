using System.Numerics;
using System.Text.Json;
using System.Text.Json.Serialization;
using IlgpuAe.Graph;
using IlgpuAe.Modules;
using IlgpuAe.Ops;

namespace IlgpuAe.Models;

/// <summary>The prior an adversarial autoencoder matches its aggregated posterior q(z) to.</summary>
public enum AaePrior
{
    /// <summary>N(0, I).</summary>
    Normal,
    /// <summary>
    /// K isotropic Gaussians N(μ_k, 0.5²·I) of equal weight, μ_k = 4·(cos 2πk/K, sin 2πk/K, 0, …) on a circle of radius 4 in the
    /// first two coordinates (for a 1-D code, K points evenly spaced on [−4, 4]).
    /// </summary>
    Gmm,
    /// <summary>
    /// The adversarial-autoencoder paper's mixture of K (10) 2-D Gaussians on a circle: component k is the Gaussian of
    /// standard deviations 0.5 along the radius and 0.1 across it, centred at 1.4·(cos θ_k, sin θ_k), θ_k = 2πk/K. Needs a 2-D code.
    /// </summary>
    Circle,
}

/// <summary>An autoencoder's sizes plus the prior and the discriminator of an adversarial autoencoder.</summary>
public sealed record AaeOptions
{
    /// <summary>The encoder, decoder and reconstruction loss; the code is z. Default: the ae's with a 2-wide code (the paper's pictures).</summary>
    public AutoencoderOptions Autoencoder { get; init; } = new() { Code = 2 };
    /// <summary>The prior p(z). Default N(0, I).</summary>
    public AaePrior Prior { get; init; } = AaePrior.Normal;
    /// <summary>Mixture components K of the gmm and circle priors (at least 1; ignored by the normal prior). Default 10.</summary>
    public int Components { get; init; } = 10;
    /// <summary>Hidden sizes of the discriminator z → … → 1 logit (each positive). Default [256, 256].</summary>
    public int[] DiscriminatorHidden { get; init; } = [256, 256];

    /// <summary>Throws <see cref="IlgpuAeException"/> naming the property (<see cref="OptionError"/>) for invalid sizes, components or a circle prior on a code that is not 2-D.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Autoencoder);
        Autoencoder.Validate();
        if (!Enum.IsDefined(Prior)) throw OptionError.For("AaeOptions.Prior", $"must be normal, gmm or circle, got {Prior}");
        if (Prior != AaePrior.Normal && Components < 1)
            throw OptionError.For("AaeOptions.Components", $"must be at least 1 for a mixture prior, got {Components}");
        if (Prior == AaePrior.Circle && Autoencoder.Code != 2)
            throw OptionError.Worded("AaeOptions.Prior", $"the circle prior is a mixture of 2-D Gaussians: it needs a 2-wide code, got {Autoencoder.Code}");
        if (DiscriminatorHidden is null || DiscriminatorHidden.Length == 0 || DiscriminatorHidden.Any(h => h <= 0))
            throw OptionError.For("AaeOptions.DiscriminatorHidden", $"needs at least one positive size, got [{string.Join(",", DiscriminatorHidden ?? [])}]");
    }
}

/// <summary>
/// The adversarial autoencoder (Makhzani et al. 2015): a deterministic encoder z = f(x) and decoder, and a discriminator D on z
/// telling draws of the prior p(z) from codes of q(z). Three objectives, stepped in this order every training step, each by an
/// optimizer of its own: "reconstruction" (term "reconstruction", over the encoder and decoder), "discriminator" (term
/// "discriminator" = BCE(D(z_p), 1) + BCE(D(z_q), 0), batch means, over the discriminator) and "generator" (term "generator" =
/// BCE(D(z_q), 1), the encoder fooling D, over the encoder). The reported loss is the reconstruction; the other two are terms.
/// Row r of a batch's prior draws comes from mixture component r mod K (stratified, so each batch holds every component).
/// </summary>
public sealed class AdversarialAutoencoder<T> : Autoencoder<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly ParameterGroup<T> _autoencoder, _encoder, _discriminatorGroup;

    /// <summary>An AAE on <paramref name="device"/>; throws <see cref="IlgpuAeException"/> for invalid options.</summary>
    public AdversarialAutoencoder(Device device, AaeOptions options, ulong seed = 1) : base(device, Checked(options).Autoencoder, seed)
    {
        Adversarial = options;
        Discriminator = new Mlp<T>(Parameters, "discriminator", [options.Autoencoder.Code, .. options.DiscriminatorHidden, 1], options.Autoencoder.Activation);
        _autoencoder = Parameters.Group("autoencoder", "encoder", "decoder");
        _encoder = Parameters.Group("encoder", "encoder");
        _discriminatorGroup = Parameters.Group("discriminator", "discriminator");
    }

    static AaeOptions Checked(AaeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }

    /// <summary>The options the model was built with.</summary>
    public AaeOptions Adversarial { get; }
    /// <summary>D: code → hidden… → one logit (parameters "discriminator.i.weight", "discriminator.i.bias").</summary>
    public Mlp<T> Discriminator { get; }
    /// <summary>"aae"</summary>
    public override string Kind => "aae";
    /// <see cref="Adversarial"/> as snake_case JSON.
    public override string ConfigJson() => JsonSerializer.Serialize(Adversarial, ModelJson.Options);

    /// <summary>"reconstruction", "discriminator", "generator": the paper's two phases, regularisation split into its two players.</summary>
    public override IReadOnlyList<string> Objectives => ["reconstruction", "discriminator", "generator"];

    /// <summary>Adds the prior draws, the discriminator on both, the two adversarial terms and the three objectives.</summary>
    protected override void Regularize(GraphBuilder<T> g, Node<T> x, Node<T> h)
    {
        var prior = PriorDraws(g, h.Rows, h.Cols);
        var real = Discriminator.Apply(g, prior);
        var fake = Discriminator.Apply(g, h);
        var ones = g.Constant(h.Rows, 1, 1.0);
        var zeros = g.Constant(h.Rows, 1, 0.0);
        g.Loss("discriminator", g.Add(g.ReconstructionLoss(real, ones, Reconstruction.Bce), g.ReconstructionLoss(fake, zeros, Reconstruction.Bce)));
        g.Loss("generator", g.ReconstructionLoss(fake, ones, Reconstruction.Bce));
        g.Objective("reconstruction", _autoencoder, "reconstruction");
        g.Objective("discriminator", _discriminatorGroup, "discriminator");
        g.Objective("generator", _encoder, "generator");
    }

    /// <summary>
    /// [rows, d] draws of the prior, new each step: ε ~ N(0, I), and for a mixture row r in component k = r mod K,
    /// z = μ_k + A_k·ε with A_k = 0.5·I (gmm) or the rotation by θ_k of diag(0.5, 0.1) (circle).
    /// </summary>
    public Node<T> PriorDraws(GraphBuilder<T> g, int rows, int d)
    {
        var eps = g.Noise(d, rows);
        var o = Adversarial;
        if (o.Prior == AaePrior.Normal) return eps;
        int k = o.Components;
        var means = new double[rows * d];
        for (int r = 0; r < rows; r++)
        {
            var m = ComponentMean(r % k, k, d);
            Array.Copy(m, 0, means, r * d, d);
        }
        if (o.Prior == AaePrior.Gmm) return g.Add(g.Scale(eps, 0.5), g.Constant(rows, d, means));
        // z = A'⊙ε + B'⊙(ε·P) + μ, P swapping the two columns: the rotation of (0.5·ε1, 0.1·ε2) by θ_k.
        var a = new double[rows * 2];
        var b = new double[rows * 2];
        for (int r = 0; r < rows; r++)
        {
            double t = 2 * Math.PI * (r % k) / k, c = Math.Cos(t), s = Math.Sin(t);
            (a[2 * r], a[2 * r + 1]) = (0.5 * c, 0.1 * c);
            (b[2 * r], b[2 * r + 1]) = (-0.1 * s, 0.5 * s);
        }
        var swapped = g.MatMul(eps, g.Constant(2, 2, [0.0, 1.0, 1.0, 0.0]));
        return g.Add(g.Add(g.Mul(eps, g.Constant(rows, 2, a)), g.Mul(swapped, g.Constant(rows, 2, b))), g.Constant(rows, d, means));
    }

    /// <summary>μ_k of component <paramref name="component"/> of <paramref name="k"/> in <paramref name="d"/> dimensions (see <see cref="AaePrior"/>).</summary>
    public double[] ComponentMean(int component, int k, int d)
    {
        var m = new double[d];
        double t = 2 * Math.PI * component / k;
        if (Adversarial.Prior == AaePrior.Circle) (m[0], m[1]) = (1.4 * Math.Cos(t), 1.4 * Math.Sin(t));
        else if (d == 1) m[0] = k == 1 ? 0 : -4 + 8.0 * component / (k - 1);
        else (m[0], m[1]) = (4 * Math.Cos(t), 4 * Math.Sin(t));
        return m;
    }
}
