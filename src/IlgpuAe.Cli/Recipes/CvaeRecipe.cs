using IlgpuAe.Data;
using IlgpuAe.Kernels;
using IlgpuAe.Models;
using IlgpuAe.Training;
using IlgpuAe.Diagnostics;
using IlgpuAe.Plots;

namespace IlgpuAe.Cli.Recipes;

/// <summary>`--model cvae`: the conditional VAE (label or masked-image condition) and its diagnostics.</summary>
public sealed class CvaeRecipe : ModelRecipe
{
    public override string Kind => "cvae";

    public override string Summary => "the conditional VAE";

    readonly CliOption<int[]> _hidden = Opt.IntList("hidden", "hidden layer sizes (encoder, decoder mirrored, prior network)", [400]);
    readonly CliOption<int> _latent = Opt.Int("latent", "latent size", 20, 1, 1 << 12);
    readonly CliOption<string> _activation = Opt.Activation("activation", "hidden activation", "relu");
    readonly CliOption<string> _condition = Opt.Choice("condition",
        "c: the one-hot label, the image with a random square hidden, or --given quadrants of it (the others predicted)", "label", "label", "masked", "quadrants");
    readonly CliOption<int?> _given = Opt.OptionalInt("given",
        "quadrants given with --condition quadrants: 1 bottom-left, 2 the left half, 3 all but bottom-right (Pyro's tutorial)", 1, 3);
    readonly CliOption<int> _block = Opt.Int("block", "side of the hidden square of --condition masked", 14, 1);
    readonly CliOption<string> _prior = Opt.Choice("cprior", "p(z|c): a prior network, N(0, I), or no KL term at all", "learned", "learned", "fixed", "none");
    readonly CliOption<double> _beta = Opt.Double("beta", "weight on the KL term", 1, 0);
    readonly CliOption<string?> _betaSchedule = ScheduleOptions.Beta();

    readonly ConvArgs _arch = new();

    public override IReadOnlyList<ICliOption> Options => [_hidden, _latent, _activation, _condition, _given, _block, _prior, _beta, _betaSchedule, .. _arch.All];

    public override IReadOnlyList<ICliOption> EvalOptionsOf(EvalOptions eval) => [eval.Iw, eval.IwImages];

    public override Model<float> Create(Device device, Args args, Dataset train, ulong seed)
    {
        var condition = args.Get(_condition) switch { "masked" => Condition.Masked, "quadrants" => Condition.Quadrants, _ => Condition.Label };
        if (args.Has(_block) && condition != Condition.Masked) throw new UsageException("--block applies only to --condition masked");
        if (args.Has(_given) && condition != Condition.Quadrants) throw new UsageException("--given applies only to --condition quadrants");
        if (condition == Condition.Quadrants && !args.Has(_given)) throw new UsageException("--condition quadrants needs --given 1, 2 or 3");
        if (condition != Condition.Label && (train.Width <= 1 || train.Height <= 1))
            throw new UsageException($"--condition {args.Get(_condition)} needs image data; the data is {train.Width}x{train.Height}");
        var options = new CvaeOptions
        {
            Features = train.Features,
            Width = train.Width,
            Height = train.Height,
            Classes = train.Classes,
            Hidden = args.Get(_hidden),
            Latent = args.Get(_latent),
            Activation = Opt.ActivationOf(args.Get(_activation)),
            Condition = condition,
            Given = condition == Condition.Quadrants ? args.Get(_given) : null,
            Block = condition == Condition.Masked ? Opt.InRange(_block.Key, args.Get(_block), 1, Math.Min(train.Width, train.Height)) : 14,
            Prior = args.Get(_prior) switch
            {
                "fixed" => ConditionalPrior.Fixed,
                "none" => ConditionalPrior.None,
                _ => ConditionalPrior.Learned,
            },
            Beta = args.Get(_beta),
            BetaSchedule = ScheduleOptions.Parse(args, _betaSchedule, RunSteps),
            Conv = _arch.Parse(args, train, _hidden),
        };
        return new Cvae<float>(device, options, seed);
    }

    public override IReadOnlyList<string> Pictures(Model<float> model, DataSplit data, string outDir) =>
        CvaePictures.Write((Cvae<float>)model, data.Test, outDir);

    public override IReadOnlyDictionary<string, object> Diagnose(Model<float> model, Args args, EvalOptions eval, DataSplit data, int batch, string? outDir)
    {
        var cvae = (Cvae<float>)model;
        int k = args.Get(eval.Iw);
        int images = Math.Min(data.Test.Count, args.Get(eval.IwImages));
        var slice = data.Test.Slice(0, images);
        var result = new Dictionary<string, object> { ["iw_samples"] = k, ["iw_images"] = images };
        if (cvae.Options.Condition == Condition.Quadrants)
        {
            // Only the hidden quadrants are modelled (the given ones are c itself), so the whole image has no likelihood to report.
            var hidden = VaeDiagnostics.HiddenBlockNll(cvae, slice, k, cvae.Seed);
            result["hidden_quadrants_nll"] = hidden.Nll;
            result["hidden_quadrants_elbo"] = hidden.NegElbo;
            if (outDir is not null) CvaePictures.Write(cvae, data.Test, outDir);
            return result;
        }
        var iw = VaeDiagnostics.ImportanceWeighted(cvae, slice, k, cvae.Seed);
        result["iw_nll"] = iw.Nll;
        result["iw_elbo"] = iw.NegElbo;
        if (cvae.Options.Condition == Condition.Masked)
        {
            var hidden = VaeDiagnostics.HiddenBlockNll(cvae, slice, k, cvae.Seed);
            result["hidden_block_nll"] = hidden.Nll;
            result["hidden_block_elbo"] = hidden.NegElbo;
        }
        if (outDir is not null) CvaePictures.Write(cvae, data.Test, outDir);
        return result;
    }
}
