using System.Globalization;
using System.Numerics;
using IlgpuAe.Models;
using IlgpuAe.Training;

namespace IlgpuAe.Checkpoints;

/// <summary>The training facts a model file records beside its parameters, validated.</summary>
/// <param name="Batch">The training batch size, when recorded.</param>
/// <param name="Width">The image width, when recorded.</param>
/// <param name="Height">The image height, when recorded.</param>
/// <param name="Verified">Whether the file carried the engine's checksums and they matched.</param>
/// <param name="Channels">The image channels, when an image size is recorded ("image_channels", 1 when absent); else null.</param>
public sealed record ModelMetadata(int? Batch, int? Width, int? Height, bool Verified, int? Channels = null)
{
    /// <summary>Most image channels a model file may record.</summary>
    public const int MaxChannels = 4096;

    /// <summary>The recorded image shape as "CxHxW" (as <see cref="Data.Dataset.ShapeText"/>), or null when none is recorded.</summary>
    public string? ShapeText => Width is int w && Height is int h ? $"{Channels ?? 1}x{h}x{w}" : null;

    /// <summary>
    /// Reads "batch", "image_width", "image_height", "image_channels" and "dtype" from <paramref name="file"/> with the rules training
    /// applies (<see cref="RunLimits"/>): a batch in 1..<see cref="RunLimits.MaxBatch"/>, image sides in
    /// 1..<see cref="RunLimits.MaxImageSide"/> and channels in 1..<see cref="MaxChannels"/> (1 when absent) whose product is <paramref name="model"/>'s features, a dtype of F32 or F64
    /// that every parameter tensor has. Absent keys (a file of another tool) are allowed; a present, bad one throws
    /// <see cref="IlgpuAeException"/> naming the file, the key and its value.
    /// </summary>
    public static ModelMetadata Validate<T>(SafeTensorFile file, Model<T> model) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var m = file.Metadata;
        IlgpuAeException Bad(string key, string rule) => new($"model file '{file.Source}': metadata '{key}' is '{m[key]}', {rule}.");
        int? Count(string key, int max) => !m.TryGetValue(key, out var text) ? null
            : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= 1 && v <= max ? v
            : throw Bad(key, $"not a whole number in 1..{max}");
        int? batch = Count("batch", RunLimits.MaxBatch);
        int? width = Count("image_width", RunLimits.MaxImageSide), height = Count("image_height", RunLimits.MaxImageSide);
        if (width.HasValue != height.HasValue)
            throw new IlgpuAeException($"model file '{file.Source}': metadata has '{(width.HasValue ? "image_width" : "image_height")}' without '{(width.HasValue ? "image_height" : "image_width")}'.");
        int? channels = Count("image_channels", MaxChannels);
        if (channels.HasValue && !width.HasValue)
            throw new IlgpuAeException($"model file '{file.Source}': metadata has 'image_channels' without 'image_width' and 'image_height'.");
        if (width is int w && height is int h && (long)w * h * (channels ?? 1) != model.Features)
            throw new IlgpuAeException(channels is int c
                ? $"model file '{file.Source}': metadata image size {c}x{h}x{w} (channels x height x width) is {(long)c * w * h} values, but the {model.Kind} model takes {model.Features} features."
                : $"model file '{file.Source}': metadata image size {w}x{h} is {(long)w * h} pixels, but the {model.Kind} model takes {model.Features} features.");
        if (m.TryGetValue("dtype", out var dtype))
        {
            if (dtype is not ("F32" or "F64")) throw Bad("dtype", "not F32 or F64");
            var other = model.Parameters.Parameters.Select(p => file.Get(p.Name)).FirstOrDefault(t => t.DType.ToString() != dtype);
            if (other is not null)
                throw new IlgpuAeException($"model file '{file.Source}': metadata 'dtype' is {dtype}, but tensor {other.Name} is {other.DType.Spelling()}.");
        }
        return new ModelMetadata(batch, width, height, file.Verified, width.HasValue ? channels ?? 1 : null);
    }
}
