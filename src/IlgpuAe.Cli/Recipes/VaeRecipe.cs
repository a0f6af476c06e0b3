using System.Globalization;
using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Training;
using IlgpuAe.Diagnostics;
using IlgpuAe.Plots;

namespace IlgpuAe.Cli.Recipes;

/// <summary>`--model vae`: the variational autoencoder and its diagnostics.</summary>
public sealed class VaeRecipe : ModelRecipe
{
    public override string Kind => "vae";

    public override string Help => """
          --hidden 400[,200...]       hidden layer sizes of the encoder (decoder mirrors them; default 400)
          --latent N                  latent size (default 20)
          --activation relu|...       hidden activation (default relu)
          --posterior diag|full       q(z|x) with a diagonal or a full (LLᵀ) covariance (default diag)
          --decoder bernoulli|gaussian   p(x|z) (default bernoulli)
          --decoder-logvar X          fixed log σ² of a gaussian decoder (default: learned per pixel)
          --beta X                    weight on the KL term; 1 is the ELBO (default 1)
          --prior normal|gmm          p(z): N(0, I) or a learned Gaussian mixture (default normal)
          --components K              mixture components of --prior gmm (default 10)
          --init pytorch|engine       linear-layer initialisation: PyTorch's nn.Linear default, weights and
                                      biases U(±1/sqrt(fan_in)) (default), or He/Xavier weights and zero biases
          --output-bias mean|init     the decoder's output bias starts at the training images' pixel means
                                      (logits for bernoulli; default) or as --init says
          eval --iw K                 importance samples for -log p(x) (default 1000)
          eval --iw-images N          test images of the IW estimate (default 1000)
          eval --agg-samples N        codes for the KL decomposition (default 1000)
        """;

    public override IReadOnlyCollection<string> Options =>
        ["hidden", "latent", "activation", "posterior", "decoder", "decoder-logvar", "beta", "prior", "components", "init", "output-bias"];

    public override IReadOnlyCollection<string> EvalOptions => VaeDiagnosticsRunner.EvalOptions;

    public override Model<float> Create(Device device, Args args, Dataset train, ulong seed) =>
        new Vae<float>(device, ParseOptions(args, train), seed);

    public static VaeOptions ParseOptions(Args args, Dataset train)
    {
        var options = new VaeOptions
        {
            Features = train.Features,
            Hidden = args.IntList("hidden", [400]),
            Latent = args.Int("latent", 20, 0, 1 << 12),
            Activation = AeRecipe.ParseActivation(args.String("activation", "relu")),
            Posterior = args.Choice("posterior", "diag", "diag", "full") == "full" ? Posterior.Full : Posterior.Diag,
            Decoder = args.Choice("decoder", "bernoulli", "bernoulli", "gaussian") == "gaussian" ? Decoder.Gaussian : Decoder.Bernoulli,
            DecoderLogVar = args.Has("decoder-logvar") ? args.Double("decoder-logvar", 0, -20, 20) : null,
            Beta = args.Double("beta", 1, 0),
            Prior = args.Choice("prior", "normal", "normal", "gmm") == "gmm" ? Prior.Gmm : Prior.Normal,
            Components = args.Int("components", 10, 0, 1 << 12),
            Initialisation = args.Choice("init", "pytorch", "pytorch", "engine") == "pytorch" ? InitScheme.PyTorch : InitScheme.Engine,
            OutputBias = args.Choice("output-bias", "mean", "mean", "init") == "mean" ? OutputBias.DataMean : OutputBias.Init,
        };
        if (args.Has("decoder-logvar") && options.Decoder != Decoder.Gaussian)
            throw new UsageException("--decoder-logvar applies only to --decoder gaussian");
        if (args.Has("components") && options.Prior != Prior.Gmm)
            throw new UsageException("--components applies only to --prior gmm");
        if (options.Posterior == Posterior.Full && options.Latent < 1)
            throw new UsageException($"--posterior full needs --latent of at least 1, got {options.Latent}");
        if (options.Prior == Prior.Gmm && options.Components < 1)
            throw new UsageException($"--components must be at least 1 for --prior gmm, got {options.Components}");
        if (options.Latent < 1) throw new UsageException($"--latent must be at least 1, got {options.Latent}");
        return options;
    }

    public override IReadOnlyList<string> Pictures(Model<float> model, DataSplit data, string outDir) =>
        VariationalPictures.Write((Vae<float>)model, data.Test, outDir);

    public override IReadOnlyDictionary<string, object> Diagnose(Model<float> model, Args args, DataSplit data, int batch, string? outDir)
    {
        var result = VaeDiagnosticsRunner.Run((Vae<float>)model, args, data.Test);
        if (outDir is not null) VariationalPictures.Write((Vae<float>)model, data.Test, outDir);
        return result;
    }
}

/// <summary>The eval options of the variational recipes and how they turn into a diagnostics run.</summary>
public static class VaeDiagnosticsRunner
{
    public static readonly string[] EvalOptions = ["iw", "iw-images", "agg-samples"];

    public static IReadOnlyDictionary<string, object> Run(Vae<float> model, Args args, Dataset test)
    {
        int k = args.Int("iw", 1000, 1, 1 << 20);
        int images = Math.Min(test.Count, args.Int("iw-images", 1000, 1));
        int agg = Math.Min(test.Count, args.Int("agg-samples", 1000, 1));
        var iw = VaeDiagnostics.ImportanceWeighted(model, test.Slice(0, images), k, seed: model.Seed);
        var kl = VaeDiagnostics.KlDecomposition(model, test, agg, seed: model.Seed);
        var result = new Dictionary<string, object>
        {
            ["iw_nll"] = iw.Nll,
            ["iw_elbo"] = iw.NegElbo,
            ["iw_samples"] = k,
            ["iw_images"] = images,
            ["kl_mean"] = kl.MeanKl,
            ["kl_mutual_information"] = kl.MutualInformation,
            ["kl_marginal"] = kl.MarginalKl,
            ["kl_samples"] = agg,
            ["kl_components"] = test.Count,
        };
        // A mixture prior has no closed-form KL; JSON has no NaN, so the key is left out.
        if (double.IsFinite(kl.ClosedFormKl)) result["kl_mean_closed_form"] = kl.ClosedFormKl;
        return result;
    }
}
