using IlgpuAe.Data;
using IlgpuAe.Kernels;
using IlgpuAe.Models;
using IlgpuAe.Training;
using IlgpuAe.Diagnostics;
using IlgpuAe.Plots;

namespace IlgpuAe.Cli.Recipes;

/// <summary>`--model vae`: the variational autoencoder and its diagnostics.</summary>
public sealed class VaeRecipe : ModelRecipe
{
    public override string Kind => "vae";

    public override string Summary => "the variational autoencoder";

    readonly CliOption<int[]> _hidden = Opt.IntList("hidden", "hidden layer sizes of the encoder (the decoder mirrors them)", [400]);
    readonly CliOption<int> _latent = Opt.Int("latent", "latent size", 20, 0, 1 << 12);
    readonly CliOption<string> _activation = Opt.Activation("activation", "hidden activation", "relu");
    readonly CliOption<string> _posterior = Opt.Choice("posterior", "q(z|x) with a diagonal or a full (LLᵀ) covariance", "diag", "diag", "full");
    readonly CliOption<string> _decoder = Opt.Choice("decoder", "p(x|z)", "bernoulli", "bernoulli", "gaussian");
    readonly CliOption<double?> _decoderLogVar = Opt.OptionalDouble("decoder-logvar", "fixed log σ² of a gaussian decoder (default: learned per pixel)", -20, 20);
    readonly CliOption<double> _beta = Opt.Double("beta", "weight on the KL term; 1 is the ELBO", 1, 0);
    readonly CliOption<string?> _betaSchedule = ScheduleOptions.Beta();
    readonly CliOption<string> _prior = Opt.Choice("prior",
        "p(z): N(0, I), a learned Gaussian mixture, or the VampPrior (the mixture of q(z|u_k) at learned pseudo-inputs)", "normal", "normal", "gmm", "vamp");
    readonly CliOption<int> _components = Opt.Int("components", "mixture components of --prior gmm", 10, 0, 1 << 12, "K");
    readonly CliOption<int> _pseudoInputs = Opt.Int("pseudo-inputs",
        "pseudo-inputs K of --prior vamp (they start at the first K training images)", 0, 0, 1 << 12, "K");
    readonly CliOption<string> _init = Opt.Choice("init",
        "linear-layer initialisation: PyTorch's nn.Linear default, weights and biases U(±1/sqrt(fan_in)), or He/Xavier weights and zero biases",
        "pytorch", "pytorch", "engine");
    readonly CliOption<double?> _tcBeta = Opt.OptionalDouble("tc-beta",
        "beta-TCVAE: split the KL into mi + B·tc + dwkl (minibatch-weighted sampling, N = the training set's size), each a reported term", 0, 1e6);
    readonly ConvArgs _arch = new();
    readonly CliOption<string> _outputBias = Opt.Choice("output-bias",
        "the decoder's output bias starts at the training images' pixel means (logits for bernoulli), or as --init says", "mean", "mean", "init");

    public override IReadOnlyList<ICliOption> Options =>
        [_hidden, _latent, _activation, _posterior, _decoder, _decoderLogVar, _beta, _betaSchedule, _prior, _components, _pseudoInputs, _tcBeta, _init, _outputBias, .. _arch.All];

    public override IReadOnlyList<ICliOption> EvalOptionsOf(EvalOptions eval) => [eval.Iw, eval.IwImages, eval.AggSamples];

    public override Model<float> Create(Device device, Args args, Dataset train, ulong seed) =>
        new Vae<float>(device, ParseOptions(args, train), seed);

    VaeOptions ParseOptions(Args args, Dataset train)
    {
        var decoder = args.Get(_decoder) == "gaussian" ? Decoder.Gaussian : Decoder.Bernoulli;
        var prior = args.Get(_prior) switch { "gmm" => Prior.Gmm, "vamp" => Prior.Vamp, _ => Prior.Normal };
        if (args.Has(_decoderLogVar) && decoder != Decoder.Gaussian)
            throw new UsageException("--decoder-logvar applies only to --decoder gaussian");
        if (args.Has(_components) && prior != Prior.Gmm)
            throw new UsageException("--components applies only to --prior gmm");
        if (args.Has(_pseudoInputs) && prior != Prior.Vamp)
            throw new UsageException("--pseudo-inputs applies only to --prior vamp");
        if (prior == Prior.Vamp && args.Get(_pseudoInputs) < 1)
            throw new UsageException($"--prior vamp needs --pseudo-inputs K of at least 1, got {(args.Has(_pseudoInputs) ? args.Get(_pseudoInputs).ToString() : "none")}");
        if (prior == Prior.Vamp && args.Get(_posterior) == "full")
            throw new UsageException("--prior vamp mixes diagonal posteriors: it needs --posterior diag");
        var options = new VaeOptions
        {
            Features = train.Features,
            Hidden = args.Get(_hidden),
            Latent = args.Get(_latent),
            Activation = Opt.ActivationOf(args.Get(_activation)),
            Posterior = args.Get(_posterior) == "full" ? Posterior.Full : Posterior.Diag,
            Decoder = decoder,
            DecoderLogVar = args.Get(_decoderLogVar),
            Beta = args.Get(_beta),
            BetaSchedule = ScheduleOptions.Parse(args, _betaSchedule, RunSteps),
            Prior = prior,
            Components = prior == Prior.Gmm ? args.Get(_components) : 10,
            PseudoInputs = prior == Prior.Vamp ? args.Get(_pseudoInputs) : null,
            Initialisation = args.Get(_init) == "pytorch" ? InitScheme.PyTorch : InitScheme.Engine,
            OutputBias = args.Get(_outputBias) == "mean" ? OutputBias.DataMean : OutputBias.Init,
            Conv = _arch.Parse(args, train, _hidden),
            TcBeta = args.Get(_tcBeta),
            TcDataSize = args.Has(_tcBeta) ? train.Count : null,
        };
        if (options.Posterior == Posterior.Full && options.Latent < 1)
            throw new UsageException($"--posterior full needs --latent of at least 1, got {options.Latent}");
        if (options.Prior == Prior.Gmm && options.Components < 1)
            throw new UsageException($"--components must be at least 1 for --prior gmm, got {options.Components}");
        if (options.Latent < 1) throw new UsageException($"--latent must be at least 1, got {options.Latent}");
        return options;
    }

    public override IReadOnlyList<string> Pictures(Model<float> model, DataSplit data, string outDir) =>
        VariationalPictures.Write((Vae<float>)model, data.Test, outDir);

    public override IReadOnlyDictionary<string, object> Diagnose(Model<float> model, Args args, EvalOptions eval, DataSplit data, int batch, string? outDir)
    {
        var result = VaeDiagnosticsRunner.Run((Vae<float>)model, args, eval, data.Test, batch);
        if (outDir is not null) VariationalPictures.Write((Vae<float>)model, data.Test, outDir);
        return result;
    }
}

/// <summary>
/// The eval diagnostics of the VAE: importance-weighted likelihood, the KL decomposition I(x;z) + KL(q(z)||p(z)) and, for the
/// diagonal posterior and the N(0, I) prior, the β-TCVAE decomposition MI + TC + dimension-wise KL over batches of <c>batch</c> codes.
/// </summary>
public static class VaeDiagnosticsRunner
{
    public static IReadOnlyDictionary<string, object> Run(Vae<float> model, Args args, EvalOptions eval, Dataset test, int batch)
    {
        int k = args.Get(eval.Iw);
        int images = Math.Min(test.Count, args.Get(eval.IwImages));
        int agg = Math.Min(test.Count, args.Get(eval.AggSamples));
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
        if (model.Posterior == Posterior.Diag && model.Options.Prior == Prior.Normal)
        {
            var tc = TcDiagnostics.Estimate(model, test, batch, seed: model.Seed);
            result["tc_mutual_information"] = tc.MutualInformation;
            result["tc_total_correlation"] = tc.TotalCorrelation;
            result["tc_dimension_wise_kl"] = tc.DimensionWiseKl;
            result["tc_mean_kl"] = tc.MeanKl;
            result["tc_batch"] = tc.Batch;
            result["tc_images"] = tc.Images;
        }
        return result;
    }
}
