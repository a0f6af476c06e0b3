using System.Globalization;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using TorchSharp;

namespace IlgpuAe.Torch;

/// <summary>
/// Whether the libtorch twin computes what our model computes, from the same weights (ours, copied in) on the same batch:
/// (1) every loss term of the first step, with the random draw (the VAE's ε, the DAE's corrupted input) read from our
/// evaluation plan and given to torch; (2) our training plan's terms at the same step, which equal (1) only if it drew the
/// same ε; (3) every parameter's gradient; (4) every parameter after one Adam step (lr 1e-3), in units of lr.
/// </summary>
public static class Equivalence
{
    /// <summary>The largest gradient difference, relative to the parameter's largest gradient, that passes.</summary>
    public const double GradientTolerance = 1e-4;
    /// <summary>The largest relative term difference that passes (float sums of 10^5 elements).</summary>
    public const double TermTolerance = 1e-5;

    /// <summary>Checks <paramref name="model"/> (fresh, untrained) on <paramref name="batch"/>; prints one line per check and returns whether all passed.</summary>
    public static bool Check(TextWriter o, string label, Model<float> model, Batch batch)
    {
        using var mirror = new TorchMirror(model);
        int rows = batch.Rows;
        var eval = model.Plan(rows, training: false);
        eval.Step = 0;
        model.Feed(eval, batch);
        eval.Forward();
        float[]? draw = model is Vae<float> or Cvae<float> ? eval.Read("eps") : model is DenoisingAutoencoder<float> ? eval.Read("corrupted") : null;
        var names = eval.TermNames.Where(n => n is "reconstruction" or "kl" or "sparsity" or "contractive").ToArray();
        var ourTerms = names.ToDictionary(n => n, eval.Term);

        var train = model.Plan(rows, training: true);
        train.Step = 0;
        model.Feed(train, batch);
        train.Forward();
        train.Backward();
        var trainTerms = train.LastTerms();
        var grads = model.Parameters.DownloadGrads();

        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(batch.Images, [rows, model.Features]);
        var d = draw is null ? null : torch.tensor(draw, [rows, draw.Length / rows]);
        mirror.Adam.zero_grad();
        var (loss, terms) = mirror.Loss(x, d, mirror.Condition(batch.Labels, rows));
        loss.backward();

        bool ok = true;
        var line = new List<string>();
        foreach (var n in names)
        {
            double ours = ourTerms[n], theirs = terms[n].item<float>(), rel = Math.Abs(ours - theirs) / Math.Max(Math.Abs(theirs), 1e-30);
            double trained = trainTerms[train.TermNames.ToList().IndexOf(n)], relTrain = Math.Abs(trained - ours) / Math.Max(Math.Abs(ours), 1e-30);
            ok &= rel <= TermTolerance && relTrain <= TermTolerance;
            line.Add(Str($"{n} ours {ours:F5} torch {theirs:F5} (rel {rel:E1}; training plan {relTrain:E1})"));
        }
        double worstGrad = 0;
        string worstGradName = "";
        foreach (var p in model.Parameters.Parameters)
        {
            var g = mirror[p.Name].grad!.data<float>().ToArray();
            double max = 0, diff = 0;
            for (int i = 0; i < g.Length; i++)
            {
                max = Math.Max(max, Math.Abs(g[i]));
                diff = Math.Max(diff, Math.Abs(g[i] - grads[p.Offset + i]));
            }
            double rel = diff / Math.Max(max, 1e-30);
            if (rel > worstGrad) (worstGrad, worstGradName) = (rel, p.Name);
        }
        ok &= worstGrad <= GradientTolerance;

        using (var adam = new Adam(1e-3)) adam.Step(model.Parameters);
        mirror.Adam.step();
        var after = model.Parameters.Download();
        double worstStep = 0;
        long differing = 0, total = 0;
        foreach (var p in model.Parameters.Parameters)
        {
            var v = mirror[p.Name].data<float>().ToArray();
            for (int i = 0; i < v.Length; i++)
            {
                double diff = Math.Abs(v[i] - after[p.Offset + i]) / 1e-3;
                worstStep = Math.Max(worstStep, diff);
                if (diff > 1e-2) differing++;
                total++;
            }
        }
        // One Adam step moves each weight by about lr·sign(g); where |g| is near Adam's ε (1e-8) the direction is float noise,
        // so the check is on how many weights moved by more than 1 % of lr differently, not on the worst one.
        ok &= differing <= total / 10_000;
        o.WriteLine($"  {label,-14} {string.Join("; ", line)}");
        o.WriteLine(Str($"  {"",-14} gradients: worst max|g_ours - g_torch| / max|g_torch| {worstGrad:E1} ({worstGradName}); after one Adam step: {differing} of {total} weights differ by more than 0.01 lr (worst {worstStep:F3} lr)  {(ok ? "PASS" : "FAIL")}"));
        o.Flush();
        return ok;
    }

    static string Str(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
