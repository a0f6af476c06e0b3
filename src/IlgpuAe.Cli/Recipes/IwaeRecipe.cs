using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Plots;

namespace IlgpuAe.Cli.Recipes;

/// <summary>`--model iwae`: the importance-weighted autoencoder (the VAE's networks on the K-sample bound, or MIWAE's mean of M such bounds) and the VAE's diagnostics.</summary>
public sealed class IwaeRecipe : ModelRecipe
{
    public override string Kind => "iwae";

    public override string Summary => "the importance-weighted autoencoder (Burda et al. 2015)";

    readonly CliOption<int[]> _hidden = Opt.IntList("hidden", "hidden layer sizes of the encoder (the decoder mirrors them)", [400]);
    readonly CliOption<int> _latent = Opt.Int("latent", "latent size", 20, 0, 1 << 12);
    readonly CliOption<string> _activation = Opt.Activation("activation", "hidden activation", "relu");
    readonly CliOption<string> _decoder = Opt.Choice("decoder", "p(x|z)", "bernoulli", "bernoulli", "gaussian");
    readonly CliOption<double?> _decoderLogVar = Opt.OptionalDouble("decoder-logvar", "fixed log σ² of a gaussian decoder (default: learned per pixel)", -20, 20);
    readonly CliOption<int> _samples = Opt.Int("samples", "importance samples K per image of the bound (1 is the ELBO)", 5, 0, 1 << 12, "K");
    readonly CliOption<int> _groups = Opt.Int("iw-groups",
        "MIWAE: independent groups M of K samples per image, the objective their mean bound (1 is the IWAE)", 1, 0, 1 << 12, "M");
    readonly CliOption<string> _init = Opt.Choice("init",
        "linear-layer initialisation: PyTorch's nn.Linear default, weights and biases U(±1/sqrt(fan_in)), or He/Xavier weights and zero biases",
        "pytorch", "pytorch", "engine");
    readonly CliOption<string> _outputBias = Opt.Choice("output-bias",
        "the decoder's output bias starts at the training images' pixel means (logits for bernoulli), or as --init says", "mean", "mean", "init");
    readonly ConvArgs _arch = new();

    public override IReadOnlyList<ICliOption> Options =>
        [_hidden, _latent, _activation, _decoder, _decoderLogVar, _samples, _groups, _init, _outputBias, .. _arch.All];

    public override IReadOnlyList<ICliOption> EvalOptionsOf(EvalOptions eval) => [eval.Iw, eval.IwImages, eval.AggSamples];

    public override Model<float> Create(Device device, Args args, Dataset train, ulong seed)
    {
        var decoder = args.Get(_decoder) == "gaussian" ? Decoder.Gaussian : Decoder.Bernoulli;
        if (args.Has(_decoderLogVar) && decoder != Decoder.Gaussian)
            throw new UsageException("--decoder-logvar applies only to --decoder gaussian");
        var options = new IwaeOptions
        {
            Samples = args.Get(_samples),
            Groups = args.Get(_groups),
            Vae = new VaeOptions
            {
                Features = train.Features,
                Hidden = args.Get(_hidden),
                Latent = args.Get(_latent),
                Activation = Opt.ActivationOf(args.Get(_activation)),
                Decoder = decoder,
                DecoderLogVar = args.Get(_decoderLogVar),
                Initialisation = args.Get(_init) == "pytorch" ? InitScheme.PyTorch : InitScheme.Engine,
                OutputBias = args.Get(_outputBias) == "mean" ? OutputBias.DataMean : OutputBias.Init,
                Conv = _arch.Parse(args, train, _hidden),
            },
        };
        return new Iwae<float>(device, options, seed);
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
