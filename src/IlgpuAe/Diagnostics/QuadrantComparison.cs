using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Training;

namespace IlgpuAe.Diagnostics;

/// <summary>How the quadrant comparison trains and scores its two models (the same for both).</summary>
public sealed record QuadrantSettings
{
    /// <summary>Quadrants given, one column each. Default 1, 2, 3.</summary>
    public int[] Given { get; init; } = [1, 2, 3];
    /// <summary>The CVAE's hidden sizes (the baseline uses its decoder's). Default [400].</summary>
    public int[] Hidden { get; init; } = [400];
    /// <summary>The CVAE's latent size. Default 20.</summary>
    public int Latent { get; init; } = 20;
    /// <summary>Training epochs of each model. Default 5.</summary>
    public int Epochs { get; init; } = 5;
    /// <summary>Batch size of both. Default 128.</summary>
    public int Batch { get; init; } = 128;
    /// <summary>Adam's learning rate for both. Default 1e-3.</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Seed of initialisation, order and noise. Default 1.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>Importance samples K of the CVAE's estimate. Default 100 (Pyro's tutorial uses 100).</summary>
    public int Samples { get; init; } = 100;
    /// <summary>Test images scored (the first ones). Default 1000.</summary>
    public int Images { get; init; } = 1000;
}

/// <summary>One column of the table: the negative conditional log-likelihood of the hidden quadrants, nats per image.</summary>
/// <param name="Given">Quadrants given.</param>
/// <param name="Cvae">The CVAE's importance-sampled −log p(x_hidden | c), K = <see cref="QuadrantSettings.Samples"/>.</param>
/// <param name="CvaeElbo">The CVAE's one-sample negative ELBO of the same draws (an upper bound of <paramref name="Cvae"/> on average).</param>
/// <param name="Baseline">The deterministic network's −log p(x_hidden | c), its BCE on the hidden pixels (exact: it has no latent).</param>
/// <param name="Images">Test images scored.</param>
/// <param name="Seconds">Wall-clock seconds of training and scoring both models.</param>
public sealed record QuadrantResult(int Given, double Cvae, double CvaeElbo, double Baseline, int Images, double Seconds);

/// <summary>
/// The CVAE against the deterministic baseline on the quadrant task (Sohn et al. 2015, Pyro's tutorial table): for each number of
/// given quadrants, both trained from scratch with the same data, batch, optimizer and epochs, both scored on the hidden quadrants.
/// </summary>
public static class QuadrantComparison
{
    /// <summary>
    /// One <see cref="QuadrantResult"/> per entry of <see cref="QuadrantSettings.Given"/>; <paramref name="log"/> hears each epoch's
    /// losses, whose test part is on the scored images (the first <see cref="QuadrantSettings.Images"/> of <paramref name="test"/>).
    /// </summary>
    public static IReadOnlyList<QuadrantResult> Run(Device device, Dataset train, Dataset test, QuadrantSettings settings, Action<string>? log = null)
    {
        if (train.Width <= 1 || train.Height <= 1) throw new IlgpuAeException($"the quadrant task needs image data; the data is {train.Width}x{train.Height}");
        if (settings.Images < 1 || settings.Samples < 1) throw new IlgpuAeException("the quadrant task scores at least 1 image with at least 1 sample");
        var scored = test.Slice(0, Math.Min(settings.Images, test.Count));
        var results = new List<QuadrantResult>();
        foreach (int given in settings.Given)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var cvae = new Cvae<float>(device, new CvaeOptions
            {
                Features = train.Features, Width = train.Width, Height = train.Height, Classes = train.Classes,
                Hidden = settings.Hidden, Latent = settings.Latent, Condition = Condition.Quadrants, Given = given,
            }, settings.Seed);
            Train(cvae, train, scored, settings, $"cvae, {given} given", log);
            var nll = VaeDiagnostics.HiddenBlockNll(cvae, scored, settings.Samples, settings.Seed);
            using var baseline = new QuadrantBaseline<float>(device, new QuadrantBaselineOptions
            {
                Features = train.Features, Width = train.Width, Height = train.Height, Given = given, Hidden = settings.Hidden,
            }, settings.Seed);
            Train(baseline, train, scored, settings, $"baseline, {given} given", log);
            double baselineNll = Trainer<float>.Evaluate(baseline, scored, Math.Min(settings.Batch, scored.Count)).Terms["reconstruction"];
            results.Add(new QuadrantResult(given, nll.Nll, nll.NegElbo, baselineNll, scored.Count, clock.Elapsed.TotalSeconds));
        }
        return results;
    }

    static void Train<T>(Model<T> model, Dataset train, Dataset test, QuadrantSettings s, string name, Action<string>? log)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        using var adam = new Adam(s.LearningRate);
        using var trainer = new Trainer<T>(model, adam, s.Batch, s.Seed);
        trainer.Run(train, test, s.Epochs, onEpoch: r => log?.Invoke($"{name}: epoch {r.Epoch} train {r.TrainLoss:F3} test {r.TestLoss:F3}"));
    }
}
