using System.Numerics;
using System.Text.Json;

namespace IlgpuAe.Models;

/// <summary>Rebuilds a model from its kind and configuration JSON (what a checkpoint stores).</summary>
public static class ModelCatalog
{
    /// <summary>The model kinds <see cref="Create"/> knows, as <see cref="Model{T}.Kind"/> spells them.</summary>
    public static IReadOnlyList<string> Kinds => ["ae", "dae", "sparse", "cae", "vae", "cvae"];

    /// <summary>The model of <paramref name="kind"/> from its <see cref="Model{T}.ConfigJson"/>; throws <see cref="IlgpuAeException"/> for an unknown kind or invalid JSON or options.</summary>
    public static Model<T> Create<T>(Device device, string kind, string configJson, ulong seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        try
        {
            return kind switch
            {
                "ae" => new Autoencoder<T>(device, Parse<AutoencoderOptions>(configJson), seed),
                "sparse" => new SparseAutoencoder<T>(device, Parse<SparseOptions>(configJson), seed),
                "cae" => new ContractiveAutoencoder<T>(device, Parse<ContractiveOptions>(configJson), seed),
                "dae" => new DenoisingAutoencoder<T>(device, Parse<DenoisingOptions>(configJson), seed),
                "vae" => new Vae<T>(device, Parse<VaeOptions>(configJson), seed),
                "cvae" => new Cvae<T>(device, Parse<CvaeOptions>(configJson), seed),
                _ => throw new IlgpuAeException($"unknown model '{kind}': expected one of {string.Join(", ", Kinds)}"),
            };
        }
        catch (JsonException e)
        {
            throw new IlgpuAeException($"the {kind} configuration is not valid JSON: {e.Message}");
        }
    }

    static TOptions Parse<TOptions>(string json) =>
        JsonSerializer.Deserialize<TOptions>(json, ModelJson.Options) ?? throw new IlgpuAeException("the model configuration is empty");
}
