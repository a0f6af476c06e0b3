using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Ops;
using IlgpuAe.Plots;

namespace IlgpuAe.Cli.Recipes;

/// <summary>`--model aae`: the adversarial autoencoder (the ae options, the prior, the discriminator).</summary>
public sealed class AaeRecipe : ModelRecipe
{
    public override string Kind => "aae";

    public override string Summary =>
        "the adversarial autoencoder (Makhzani et al. 2015): the ae options, --latent is z; three objectives per step (reconstruction, discriminator, generator), each with its own --optimizer";

    readonly AeRecipe.Shared _ae = new();
    readonly CliOption<int> _latent = Opt.Int("latent", "code size d of z", 2, 1, 1 << 16);
    readonly CliOption<string> _prior = Opt.Choice("prior",
        "p(z): N(0, I); gmm, K Gaussians N(mu_k, 0.5^2 I) on a circle of radius 4; circle, the paper's K elongated 2-D Gaussians at radius 1.4 (needs --latent 2)",
        "normal", "normal", "gmm", "circle");
    readonly CliOption<int> _components = Opt.Int("components", "mixture components K of --prior gmm or circle", 10, 1, 1 << 12, "K");
    readonly CliOption<int[]> _discHidden = Opt.IntList("disc-hidden", "hidden layer sizes of the discriminator on z", [256, 256]);

    public override IReadOnlyList<ICliOption> Options => [_ae.Hidden, _latent, _ae.Activation, _ae.Loss, _prior, _components, _discHidden, .. _ae.Arch.All];

    public override Model<float> Create(Device device, Args args, Dataset train, ulong seed)
    {
        var prior = args.Get(_prior) switch { "gmm" => AaePrior.Gmm, "circle" => AaePrior.Circle, _ => AaePrior.Normal };
        if (prior == AaePrior.Normal && args.Has(_components))
            throw new UsageException("--components applies to --prior gmm or circle, not to the normal prior");
        int latent = args.Get(_latent);
        if (prior == AaePrior.Circle && latent != 2)
            throw new UsageException($"--prior circle is a mixture of 2-D Gaussians: it needs --latent 2, got {latent}");
        return new AdversarialAutoencoder<float>(device, new AaeOptions
        {
            Autoencoder = new AutoencoderOptions
            {
                Features = train.Features,
                Hidden = args.Get(_ae.Hidden),
                Code = latent,
                Activation = Opt.ActivationOf(args.Get(_ae.Activation)),
                Loss = args.Get(_ae.Loss) == "bce" ? Reconstruction.Bce : Reconstruction.Mse,
                Conv = _ae.Arch.Parse(args, train, _ae.Hidden),
            },
            Prior = prior,
            Components = prior == AaePrior.Normal ? 10 : args.Get(_components),
            DiscriminatorHidden = args.Get(_discHidden),
        }, seed);
    }

    /// <summary>reconstructions.png and latent.png: the codes of the first 2000 test images by class (PCA beyond 2-D).</summary>
    public override IReadOnlyList<string> Pictures(Model<float> model, DataSplit data, string outDir)
    {
        var written = base.Pictures(model, data, outDir).ToList();
        var aae = (AdversarialAutoencoder<float>)model;
        var test = data.Test.Slice(0, Math.Min(2000, data.Test.Count));
        int d = aae.Options.Code;
        var codes = Codes(aae, test, d);
        var (xs, ys, s1, s2) = Projection.Principal(codes, test.Count, d);
        string prior = aae.Adversarial.Prior.ToString().ToLowerInvariant();
        var (title, xl, yl) = Projection.Labels($"test codes by class, {prior} prior", d, s1, s2);
        LatentPlot.Save(Path.Combine(outDir, "latent.png"), title, xs, ys, test.Labels, xl, yl);
        written.Add("latent.png");
        return written;
    }

    /// <summary>The encoder's codes of every image of <paramref name="data"/>, row-major [count, d].</summary>
    static double[] Codes(Model<float> model, Dataset data, int d)
    {
        var codes = new double[(long)data.Count * d];
        const int rows = 250;
        var images = new float[rows * data.Features];
        for (int first = 0; first < data.Count; first += rows)
        {
            int n = Math.Min(rows, data.Count - first);
            var batch = n == rows ? images : new float[n * data.Features];
            Array.Copy(data.Images, (long)first * data.Features, batch, 0, (long)n * data.Features);
            var code = model.Infer(new Batch(batch, data.Labels.AsSpan(first, n).ToArray(), n), "code");
            for (int i = 0; i < n * d; i++) codes[(long)first * d + i] = code[i];
        }
        return codes;
    }
}
