using System.Numerics;
using System.Text.Json;
using System.Text.Json.Serialization;
using IlgpuAe.Graph;
using IlgpuAe.Ops;

namespace IlgpuAe.Models;

/// <summary>An autoencoder's sizes plus the codebook of a VQ-VAE.</summary>
public sealed record VqVaeOptions
{
    /// <summary>
    /// The encoder, decoder and reconstruction loss; <see cref="AutoencoderOptions.Code"/> is ignored (the code is
    /// <see cref="Codes"/>·<see cref="CodeDim"/> wide). Default: the ae's.
    /// </summary>
    public AutoencoderOptions Autoencoder { get; init; } = new();
    /// <summary>K, the codebook's size (at least 1). Default 512 (the paper's).</summary>
    public int Codebook { get; init; } = 512;
    /// <summary>D, the width of each code vector (at least 1). Default 16.</summary>
    public int CodeDim { get; init; } = 16;
    /// <summary>Code vectors per image n: the encoder emits n·D values, quantised D at a time. Default 8.</summary>
    public int Codes { get; init; } = 8;
    /// <summary>β, the weight of the commitment term ‖z − sg(q)‖² (finite, at least 0). Default 0.25 (the paper's).</summary>
    public double Commitment { get; init; } = 0.25;
    /// <summary>γ of the EMA codebook update (in [0, 1)); null (default): the codebook learns from the codebook term ‖sg(z) − q‖².</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? EmaDecay { get; init; }
    /// <summary>
    /// Training steps a code may go unused before it is restarted at a code vector of the current batch (0: never). Default 5.
    /// </summary>
    public int RestartAfter { get; init; } = 5;

    /// <summary>The encoder's options with the code width n·D.</summary>
    [JsonIgnore]
    public AutoencoderOptions Sized => Autoencoder with { Code = checked(Codes * CodeDim) };

    /// <summary>Throws <see cref="IlgpuAeException"/> naming the property (<see cref="OptionError"/>) for a value the model cannot use.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Autoencoder);
        if (Codebook < 1) throw OptionError.For("VqVaeOptions.Codebook", $"(the codebook size) must be at least 1, got {Codebook}");
        if (CodeDim < 1) throw OptionError.For("VqVaeOptions.CodeDim", $"(the width of a code vector) must be at least 1, got {CodeDim}");
        if (Codes < 1) throw OptionError.For("VqVaeOptions.Codes", $"(code vectors per image) must be at least 1, got {Codes}");
        if (!(double.IsFinite(Commitment) && Commitment >= 0)) throw OptionError.For("VqVaeOptions.Commitment", $"must be a finite number of at least 0, got {Commitment}");
        if (EmaDecay is { } g && !(g >= 0 && g < 1)) throw OptionError.For("VqVaeOptions.EmaDecay", $"must be in [0, 1), got {g}");
        if (RestartAfter < 0) throw OptionError.For("VqVaeOptions.RestartAfter", $"must be 0 (never) or a number of steps, got {RestartAfter}");
        if ((long)Codes * CodeDim > 1 << 16) throw OptionError.For("VqVaeOptions.Codes", $"times the code width is {(long)Codes * CodeDim} values, more than 65536");
        Sized.Validate();
    }
}

/// <summary>
/// The VQ-VAE (van den Oord et al. 2017): the encoder's output z [B, n·D] is read as n code vectors of D values, each replaced
/// by its nearest code q of a learned codebook E [K, D] (parameter "codebook"); the decoder reads z + sg(q − z), the value of
/// q with the straight-through gradient of z. Terms: "reconstruction", "commitment" = β·‖z − sg(q)‖² and, without EMA,
/// "codebook" = ‖sg(z) − q‖² (both summed over an image's n·D values, batch means); with EMA the codebook instead follows
/// the running means of the code vectors assigned to each code (and is left out of the optimizer). Every training step also
/// restarts codes unused for <see cref="VqVaeOptions.RestartAfter"/> steps. "codebook_usage" (the fraction of the K codes the
/// batch uses) and "perplexity" (exp of the entropy of their use) are weight-0 statistics per batch.
/// </summary>
public sealed class VqVae<T> : Autoencoder<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly CodebookUpkeep<T> _upkeep;
    readonly ParameterGroup<T>? _trained;

    /// <summary>A VQ-VAE on <paramref name="device"/>; throws <see cref="IlgpuAeException"/> for invalid options.</summary>
    public VqVae(Device device, VqVaeOptions options, ulong seed = 1) : base(device, Checked(options).Sized, seed)
    {
        Quantiser = options;
        // U(±1/K), the common start of a VQ codebook.
        Codebook = Parameters.Add("codebook", options.Codebook, options.CodeDim, Init.FanInUniform, fanIn: checked(options.Codebook * options.Codebook));
        bool ema = options.EmaDecay is not null;
        _upkeep = new CodebookUpkeep<T>(options.EmaDecay, 1e-5, options.RestartAfter,
            ema ? Parameters.AddBuffer("codebook.ema_count", 1, options.Codebook, 0) : null,
            ema ? Parameters.AddBuffer("codebook.ema_sum", options.Codebook, options.CodeDim, 0) : null,
            options.RestartAfter > 0 ? Parameters.AddBuffer("codebook.idle", 1, options.Codebook, 0) : null);
        if (ema) _trained = Parameters.Group("encoder and decoder", Parameters.Parameters.Where(p => p != Codebook));
    }

    static VqVaeOptions Checked(VqVaeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }

    /// <summary>The options the model was built with.</summary>
    public VqVaeOptions Quantiser { get; }
    /// <summary>E [K, D].</summary>
    public Parameter<T> Codebook { get; }
    /// <summary>"vqvae"</summary>
    public override string Kind => "vqvae";
    /// <see cref="Quantiser"/> as snake_case JSON.
    public override string ConfigJson() => JsonSerializer.Serialize(Quantiser, ModelJson.Options);

    /// <summary>With EMA: one objective, "loss", over every parameter but the codebook; without: none declared (one over all).</summary>
    public override IReadOnlyList<string> Objectives => _trained is null ? [] : ["loss"];

    /// <summary>The codes' counts, the EMA and the restart are functions of the whole batch.</summary>
    public override string? NotRowSeparable => "the codebook's use counts, EMA update and restarts are taken over the whole batch, which a rank's share of it does not see";

    // The nodes Bottleneck made for the graph being built, which Regularize reads.
    Node<T>? _quantised, _index, _frozen;

    /// <summary>z + sg(q − z), q the nearest codes of z's code vectors.</summary>
    protected override Node<T> Bottleneck(GraphBuilder<T> g, Node<T> h)
    {
        var e = g.Param(Codebook);
        _frozen = g.Detach(h);
        _index = g.NearestCode(_frozen, e);
        _quantised = g.GatherCodes(e, _index, h.Rows, h.Cols);
        return g.Add(h, g.Detach(g.Subtract(_quantised, h)));
    }

    /// <summary>The commitment and codebook terms, the usage statistics, the upkeep (training graphs) and, with EMA, the objective.</summary>
    protected override void Regularize(GraphBuilder<T> g, Node<T> x, Node<T> h)
    {
        var q = _quantised!;
        var index = _index!;
        g.Loss("commitment", g.ReconstructionLoss(h, g.Detach(q), Reconstruction.Mse), Quantiser.Commitment);
        if (_trained is null) g.Loss("codebook", g.ReconstructionLoss(q, _frozen!, Reconstruction.Mse));
        var counts = g.CodeCounts(index, Quantiser.Codebook);
        g.Loss("codebook_usage", g.CodebookUsage(counts), 0);
        g.Loss("perplexity", g.CodePerplexity(counts), 0);
        if (g.Training && (Quantiser.EmaDecay is not null || Quantiser.RestartAfter > 0))
            g.CodebookUpkeep(_upkeep, _frozen!, index, counts, g.Param(Codebook));
        g.Output("codes", index);
        if (_trained is not null) g.Objective("loss", _trained, "reconstruction", "commitment", "codebook_usage", "perplexity");
    }
}
