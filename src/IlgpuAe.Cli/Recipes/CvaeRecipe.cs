using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Training;
using IlgpuAe.Diagnostics;
using IlgpuAe.Plots;

namespace IlgpuAe.Cli.Recipes;

/// <summary>`--model cvae`: the conditional VAE (label or masked-image condition) and its diagnostics.</summary>
public sealed class CvaeRecipe : ModelRecipe
{
    public override string Kind => "cvae";

    public override string Help => """
          --hidden 400[,200...]       hidden layer sizes (encoder, decoder mirrored, prior network; default 400)
          --latent N                  latent size (default 20)
          --activation relu|...       hidden activation (default relu)
          --condition label|masked    c: the one-hot label, or the image with a random square hidden (default label)
          --block N                   side of the hidden square of --condition masked (default 14)
          --cprior learned|fixed|none p(z|c): a prior network, N(0, I), or no KL term at all (default learned)
          --beta X                    weight on the KL term (default 1)
          eval --iw K                 importance samples for -log p(x|c) (and, when masked, -log p(hidden block|c); default 1000)
          eval --iw-images N          test images of the IS estimates (default 1000)
        """;

    public override IReadOnlyCollection<string> Options => ["hidden", "latent", "activation", "condition", "block", "cprior", "beta"];

    public override IReadOnlyCollection<string> EvalOptions => ["iw", "iw-images"];

    public override Model<float> Create(Device device, Args args, Dataset train, ulong seed)
    {
        var condition = args.Choice("condition", "label", "label", "masked") == "masked" ? Condition.Masked : Condition.Label;
        if (args.Has("block") && condition != Condition.Masked) throw new UsageException("--block applies only to --condition masked");
        if (condition == Condition.Masked && (train.Width <= 1 || train.Height <= 1))
            throw new UsageException($"--condition masked needs image data; the data is {train.Width}x{train.Height}");
        var options = new CvaeOptions
        {
            Features = train.Features,
            Width = train.Width,
            Height = train.Height,
            Classes = train.Classes,
            Hidden = args.IntList("hidden", [400]),
            Latent = args.Int("latent", 20, 1, 1 << 12),
            Activation = AeRecipe.ParseActivation(args.String("activation", "relu")),
            Condition = condition,
            Block = args.Int("block", 14, 1, Math.Min(train.Width, train.Height)),
            Prior = args.Choice("cprior", "learned", "learned", "fixed", "none") switch
            {
                "fixed" => ConditionalPrior.Fixed,
                "none" => ConditionalPrior.None,
                _ => ConditionalPrior.Learned,
            },
            Beta = args.Double("beta", 1, 0),
        };
        return new Cvae<float>(device, options, seed);
    }

    public override IReadOnlyList<string> Pictures(Model<float> model, DataSplit data, string outDir) =>
        CvaePictures.Write((Cvae<float>)model, data.Test, outDir);

    public override IReadOnlyDictionary<string, object> Diagnose(Model<float> model, Args args, DataSplit data, int batch, string? outDir)
    {
        var cvae = (Cvae<float>)model;
        int k = args.Int("iw", 1000, 1, 1 << 20);
        int images = Math.Min(data.Test.Count, args.Int("iw-images", 1000, 1));
        var slice = data.Test.Slice(0, images);
        var iw = VaeDiagnostics.ImportanceWeighted(cvae, slice, k, cvae.Seed);
        var result = new Dictionary<string, object>
        {
            ["iw_nll"] = iw.Nll,
            ["iw_elbo"] = iw.NegElbo,
            ["iw_samples"] = k,
            ["iw_images"] = images,
        };
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
