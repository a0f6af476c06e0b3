using System.Numerics;
using System.Text.Json;
using IlgpuAe.Graph;
using IlgpuAe.Modules;

namespace IlgpuAe.Models;

/// <summary>Sizes of the quadrant task's deterministic baseline; <see cref="Hidden"/> as the CVAE's (its decoder uses them reversed).</summary>
public sealed record QuadrantBaselineOptions
{
    /// <summary>Features of one image, Width·Height. Default 784.</summary>
    public int Features { get; init; } = 784;
    /// <summary>Image width in pixels (above 1). Default 28.</summary>
    public int Width { get; init; } = 28;
    /// <summary>Image height in pixels (above 1). Default 28.</summary>
    public int Height { get; init; } = 28;
    /// <summary>Quadrants given: 1, 2 or 3 (<see cref="QuadrantTask"/>).</summary>
    public int Given { get; init; } = 1;
    /// <summary>The CVAE's hidden sizes, input to code; the network uses them reversed, as the CVAE's decoder does. Default [400].</summary>
    public int[] Hidden { get; init; } = [400];
    /// <summary>Nonlinearity after every hidden layer. Default ReLU.</summary>
    public Activation Activation { get; init; } = Activation.Relu;

    /// <summary>Throws <see cref="IlgpuAeException"/> naming the property when a size is not positive or the image or quadrant count is off.</summary>
    public void Validate()
    {
        if (Width <= 1 || Height <= 1 || Width * Height != Features)
            throw OptionError.For("QuadrantBaselineOptions.Features", $"must be width·height of an image above 1x1, got {Features} for {Width}x{Height}");
        if (Given is < 1 or > 3) throw OptionError.For("QuadrantBaselineOptions.Given", $"must be 1, 2 or 3 quadrants, got {Given}");
        if (Hidden is null || Hidden.Length == 0 || Hidden.Any(h => h <= 0))
            throw OptionError.For("QuadrantBaselineOptions.Hidden", $"needs at least one positive size, got [{string.Join(",", Hidden ?? [])}]");
    }
}

/// <summary>
/// The quadrant task's deterministic baseline (the chapter's "averaging makes it blurry" network, Pyro's baseline): the CVAE's
/// decoder without z, c → reversed Hidden… → Features Bernoulli logits, trained on the hidden pixels' BCE alone. Its test
/// −log p(x_hidden | c) is that BCE exactly (no latent to integrate), so its "reconstruction" term is the number to compare.
/// </summary>
public sealed class QuadrantBaseline<T> : Model<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly float[] _given;
    float[] _conditions = [];

    /// <summary>Declares the network on a store seeded by <paramref name="seed"/>; IlgpuAeException when the options do not validate.</summary>
    public QuadrantBaseline(Device device, QuadrantBaselineOptions options, ulong seed = 1) : base(device, seed)
    {
        options.Validate();
        Options = options;
        _given = QuadrantTask.GivenMask(options.Width, options.Height, options.Given);
        Network = new Mlp<T>(Parameters, "baseline", [options.Features, .. options.Hidden.Reverse(), options.Features], options.Activation);
    }

    /// <summary>The validated options.</summary>
    public QuadrantBaselineOptions Options { get; }
    /// <summary>c → hidden layers → logits.</summary>
    public Mlp<T> Network { get; }
    /// <summary>"quadrant_baseline"</summary>
    public override string Kind => "quadrant_baseline";
    /// <summary><see cref="QuadrantBaselineOptions.Features"/></summary>
    public override int Features => Options.Features;
    /// <summary><see cref="Options"/> as snake_case JSON.</summary>
    public override string ConfigJson() => JsonSerializer.Serialize(Options, ModelJson.Options);

    /// <summary>Inputs "x" (the whole image, the target) and "c" (the given quadrants, −1 elsewhere); term "reconstruction", −log p(x_hidden|c) per image.</summary>
    protected override void Build(GraphBuilder<T> g)
    {
        var x = g.Input("x", Features);
        var c = g.Input("c", Features);
        var logits = Network.Apply(g, c);
        g.Loss("reconstruction", QuadrantTask.HiddenNll(g, logits, x, _given));
        if (!g.Training) g.Output("logits", logits);
    }

    /// <summary>Copies the images into "x" and their quadrant conditions into "c".</summary>
    public override void Feed(Plan<T> plan, Batch batch)
    {
        base.Feed(plan, batch);
        if (_conditions.Length != batch.Images.Length) _conditions = new float[batch.Images.Length];
        QuadrantTask.Conditions(batch.Images, batch.Rows, _given, _conditions);
        plan.SetInput(plan.Input("c"), _conditions);
    }
}
