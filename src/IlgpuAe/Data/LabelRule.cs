using System.Globalization;

namespace IlgpuAe.Data;

/// <summary>
/// The one label rule of every data format (IDX, .npy, the embedded set): a label is an integer class below the data's
/// class count, which is <see cref="DefaultClasses"/> (the MNIST family's ten) unless the caller states another.
/// <see cref="Dataset"/> enforces it; the loaders only turn stored values into byte labels.
/// </summary>
public static class LabelRule
{
    /// <summary>The class count of the MNIST family and of .npy data unless a caller says otherwise.</summary>
    public const int DefaultClasses = 10;

    /// <summary>Stored label values (any numeric type, widened to double) as byte labels; throws <see cref="IlgpuAeException"/> naming the first that is not an integer class below <paramref name="classes"/>.</summary>
    public static byte[] FromValues(ReadOnlySpan<double> values, int classes, string name)
    {
        var labels = new byte[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double v = values[i];
            if (!(v >= 0 && v < classes) || v != Math.Floor(v))
                throw OutOfRange(name, v.ToString(CultureInfo.InvariantCulture), i, classes);
            labels[i] = (byte)v;
        }
        return labels;
    }

    /// <summary>Throws <see cref="IlgpuAeException"/> for the first label not below <paramref name="classes"/>.</summary>
    public static void Check(ReadOnlySpan<byte> labels, int classes, string name)
    {
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] >= classes)
                throw OutOfRange(name, labels[i].ToString(CultureInfo.InvariantCulture), i, classes);
    }

    static IlgpuAeException OutOfRange(string name, string value, int index, int classes) =>
        new($"'{name}': label {value} of image {index} is not an integer class below the class count {classes} (0 to {classes - 1}).");
}
