namespace IlgpuAe.Data;

/// <summary>
/// A labelled image set held on the host: pixels as floats in [0,1], row-major [Count, Features]
/// (one image per row, each image C planes of H×W: [Count, C, H, W] in the same memory), labels in 0..Classes-1.
/// </summary>
public sealed class Dataset
{
    /// <summary>Wraps <paramref name="images"/> and <paramref name="labels"/> (not copied) after checking them.</summary>
    /// <exception cref="IlgpuAeException">Sizes disagree, a pixel is NaN, infinite or outside [0,1], or a label is out of range.</exception>
    public Dataset(string name, float[] images, byte[] labels, int width, int height, int classes = LabelRule.DefaultClasses,
        int channels = 1, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (width <= 0 || height <= 0)
            throw new IlgpuAeException($"dataset '{name}': image size {width}x{height} must be positive.");
        if (classes is <= 0 or > 256)
            throw new IlgpuAeException($"dataset '{name}': class count {classes} must be between 1 and 256.");
        if (channels <= 0)
            throw new IlgpuAeException($"dataset '{name}': channel count {channels} must be positive.");
        if (classNames is not null && classNames.Count != classes)
            throw new IlgpuAeException($"dataset '{name}': {classNames.Count} class names for {classes} classes.");
        long features = (long)channels * width * height;
        string size = channels == 1 ? $"{width}x{height}" : $"{channels}x{height}x{width} (channels x height x width)";
        if (features > int.MaxValue)
            throw new IlgpuAeException($"dataset '{name}': image size {size} is too large.");
        if (images.LongLength != (long)labels.Length * features)
            throw new IlgpuAeException(
                $"dataset '{name}': {images.LongLength} pixels do not make {labels.Length} images of {size}.");

        for (int i = 0; i < images.Length; i++)
        {
            float v = images[i];
            // The negated form also catches NaN, which compares false with everything.
            if (!(v >= 0f && v <= 1f))
                throw new IlgpuAeException(
                    $"dataset '{name}': pixel {i % features} of image {i / features} is {v}, outside [0,1].");
        }
        LabelRule.Check(labels, classes, name);

        Name = name;
        Images = images;
        Labels = labels;
        Width = width;
        Height = height;
        Channels = channels;
        Features = (int)features;
        Classes = classes;
        ClassNames = classNames;
    }

    /// <summary>Human-readable name, used in messages.</summary>
    public string Name { get; }

    /// <summary>Pixels, row-major [Count, Features], each in [0,1].</summary>
    public float[] Images { get; }

    /// <summary>One label per image, each below <see cref="Classes"/>.</summary>
    public byte[] Labels { get; }

    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>Image width in pixels.</summary>
    public int Width { get; }

    /// <summary>Image height in pixels.</summary>
    public int Height { get; }

    /// <summary>Colour channels per image: 1 grayscale, 3 RGB (planes in that order).</summary>
    public int Channels { get; }

    /// <summary>Values per image: Channels × Height × Width.</summary>
    public int Features { get; }

    /// <summary>Number of label classes.</summary>
    public int Classes { get; }

    /// <summary>The name of each class (label order), when the source names them (an image folder's class folders); else null.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>The image shape as "CxHxW", for messages and model files.</summary>
    public string ShapeText => $"{Channels}x{Height}x{Width}";

    /// <summary>A copy of images [start, start+count).</summary>
    public Dataset Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start > Count - count)
            throw new ArgumentOutOfRangeException(nameof(start), $"slice [{start}, {start}+{count}) is outside 0..{Count}.");
        var images = Images.AsSpan(start * Features, count * Features).ToArray();
        var labels = Labels.AsSpan(start, count).ToArray();
        return new Dataset(Name, images, labels, Width, Height, Classes, Channels, ClassNames);
    }

    /// <summary>Copies the images at <paramref name="indices"/>, in that order, packed into <paramref name="destination"/>.</summary>
    public void Gather(ReadOnlySpan<int> indices, Span<float> destination)
    {
        if (destination.Length < (long)indices.Length * Features)
            throw new ArgumentException($"destination holds {destination.Length} floats, {indices.Length} images need {(long)indices.Length * Features}.", nameof(destination));
        var source = Images.AsSpan();
        for (int i = 0; i < indices.Length; i++)
        {
            int row = CheckIndex(indices[i]);
            source.Slice(row * Features, Features).CopyTo(destination.Slice(i * Features, Features));
        }
    }

    /// <summary>Copies the labels at <paramref name="indices"/>, in that order, into <paramref name="destination"/>.</summary>
    public void GatherLabels(ReadOnlySpan<int> indices, Span<byte> destination)
    {
        if (destination.Length < indices.Length)
            throw new ArgumentException($"destination holds {destination.Length} labels, {indices.Length} are needed.", nameof(destination));
        for (int i = 0; i < indices.Length; i++)
            destination[i] = Labels[CheckIndex(indices[i])];
    }

    private int CheckIndex(int index) =>
        (uint)index < (uint)Count ? index
            : throw new ArgumentOutOfRangeException(nameof(index), $"image index {index} is outside 0..{Count - 1} of dataset '{Name}'.");
}
