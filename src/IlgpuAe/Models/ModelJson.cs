using System.Text.Json;
using System.Text.Json.Serialization;

namespace IlgpuAe.Models;

/// <summary>How model configurations are written into checkpoint metadata: readable, enums by name.</summary>
public static class ModelJson
{
    /// <summary>snake_case property names and enum values; shared by writing and reading so configurations round-trip.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };
}
