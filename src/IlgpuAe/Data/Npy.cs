using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace IlgpuAe.Data;

/// <summary>A NumPy array as read from a .npy file: element type, shape and values widened to double.</summary>
/// <param name="DType">NumPy's descr as stored, e.g. "&lt;f4" or "|u1".</param>
/// <param name="Shape">Dimensions, outermost first (C order).</param>
/// <param name="Values">Every element in C order, widened to double.</param>
public sealed record NpyArray(string DType, int[] Shape, double[] Values)
{
    /// <summary>Number of elements (the product of <see cref="NpyArray.Shape"/>).</summary>
    public long Count => Values.LongLength;
}

/// <summary>
/// NumPy's .npy format (versions 1 to 3, C order, little-endian float32, float64, uint8 or int64),
/// for researchers' own arrays. Every size in the header is checked against the file's length
/// before anything is allocated, so a damaged or hostile file is refused, never trusted.
/// </summary>
public static partial class Npy
{
    static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Largest payload accepted (1 GiB): a header claiming more is treated as damaged.</summary>
    public const long MaxDataBytes = 1L << 30;

    /// <summary>Reads one .npy file; throws <see cref="IlgpuAeException"/> naming the problem for a missing, damaged, oversized, Fortran-order or unsupported-dtype file.</summary>
    public static NpyArray Read(string path)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new IlgpuAeException($".npy file '{path}' does not exist.");
            if (info.Length > MaxDataBytes + (1 << 20)) throw new IlgpuAeException($".npy file '{path}' is larger than the 1 GiB this loader accepts.");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IlgpuAeException($".npy file '{path}' cannot be read: {e.Message}", e);
        }
        return Parse(bytes, path);
    }

    /// <summary>Parses the bytes of a .npy file; <paramref name="name"/> names it in messages.</summary>
    public static NpyArray Parse(ReadOnlySpan<byte> bytes, string name)
    {
        if (bytes.Length < 10 || !bytes[..6].SequenceEqual(Magic))
            throw new IlgpuAeException($"'{name}' is not a .npy file (no \\x93NUMPY magic).");
        int major = bytes[6];
        int headerLength, headerStart;
        switch (major)
        {
            case 1:
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..10]);
                headerStart = 10;
                break;
            case 2 or 3:
                if (bytes.Length < 12) throw new IlgpuAeException($"'{name}' is truncated inside its .npy preamble.");
                uint h = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..12]);
                if (h > 1 << 20) throw new IlgpuAeException($"'{name}' claims a .npy header of {h} bytes, more than any real header.");
                headerLength = (int)h;
                headerStart = 12;
                break;
            default:
                throw new IlgpuAeException($"'{name}' has .npy version {major}.{bytes[7]}; versions 1 to 3 are supported.");
        }
        if (headerStart + headerLength > bytes.Length)
            throw new IlgpuAeException($"'{name}' is truncated inside its .npy header.");
        string header;
        try
        {
            header = new UTF8Encoding(false, true).GetString(bytes.Slice(headerStart, headerLength));
        }
        catch (DecoderFallbackException)
        {
            throw new IlgpuAeException($"'{name}' has a .npy header that is not text.");
        }
        string descr = Field(header, DescrPattern(), "descr", name);
        string order = Field(header, OrderPattern(), "fortran_order", name);
        string shapeText = Field(header, ShapePattern(), "shape", name);
        if (order != "False")
            throw new IlgpuAeException($"'{name}' is stored in Fortran order; save it in C order (numpy.ascontiguousarray).");
        int size = descr switch
        {
            "<f4" => 4,
            "<f8" => 8,
            "|u1" or "<u1" => 1,
            "<i8" => 8,
            _ => throw new IlgpuAeException($"'{name}' holds dtype '{descr}'; float32, float64, uint8 and int64 (little-endian) are supported."),
        };
        var shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= 0
                ? v : throw new IlgpuAeException($"'{name}' has a .npy shape entry '{s}' that is not a size."))
            .ToArray();
        long count = 1;
        foreach (int d in shape)
        {
            count *= d;
            if (count * size > MaxDataBytes) throw new IlgpuAeException($"'{name}' claims a shape ({shapeText}) larger than the 1 GiB this loader accepts.");
        }
        var data = bytes[(headerStart + headerLength)..];
        if (data.Length != count * size)
            throw new IlgpuAeException($"'{name}' has shape ({shapeText}) of {descr}, which needs {count * size} bytes, but {data.Length} follow the header.");
        var values = new double[count];
        for (long i = 0; i < count; i++)
        {
            var e = data.Slice((int)(i * size), size);
            values[i] = descr switch
            {
                "<f4" => BinaryPrimitives.ReadSingleLittleEndian(e),
                "<f8" => BinaryPrimitives.ReadDoubleLittleEndian(e),
                "<i8" => BinaryPrimitives.ReadInt64LittleEndian(e),
                _ => e[0],
            };
        }
        return new NpyArray(descr, shape, values);
    }

    static string Field(string header, Regex pattern, string key, string name)
    {
        var m = pattern.Match(header);
        if (!m.Success) throw new IlgpuAeException($"'{name}' has a .npy header without a readable '{key}'.");
        return m.Groups[1].Value;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex OrderPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();

    /// <summary>Writes a C-order little-endian array (float32, float64 or uint8 by <paramref name="dtype"/>) as .npy version 1.0.</summary>
    public static byte[] Encode(string dtype, int[] shape, ReadOnlySpan<double> values)
    {
        int size = dtype switch { "<f4" => 4, "<f8" => 8, "|u1" => 1, "<i8" => 8, _ => throw new ArgumentException($"unsupported dtype {dtype}") };
        string shapeText = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string header = $"{{'descr': '{dtype}', 'fortran_order': False, 'shape': ({shapeText}), }}";
        int pad = 64 - (10 + header.Length + 1) % 64;
        header = header + new string(' ', pad % 64) + "\n";
        var result = new byte[10 + header.Length + values.Length * size];
        Magic.CopyTo(result, 0);
        result[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(8), (ushort)header.Length);
        Encoding.ASCII.GetBytes(header).CopyTo(result, 10);
        var data = result.AsSpan(10 + header.Length);
        for (int i = 0; i < values.Length; i++)
        {
            var e = data.Slice(i * size, size);
            switch (dtype)
            {
                case "<f4": BinaryPrimitives.WriteSingleLittleEndian(e, (float)values[i]); break;
                case "<f8": BinaryPrimitives.WriteDoubleLittleEndian(e, values[i]); break;
                case "<i8": BinaryPrimitives.WriteInt64LittleEndian(e, (long)values[i]); break;
                default: e[0] = (byte)values[i]; break;
            }
        }
        return result;
    }

    /// <summary>
    /// A dataset from an images array ([N, H, W] or [N, D]; uint8 scaled by 1/255, floats taken as
    /// they are and required to lie in [0, 1]) and an optional labels array ([N], integers 0..255).
    /// </summary>
    public static Dataset LoadImages(string imagesPath, string? labelsPath, string name)
    {
        var images = Read(imagesPath);
        if (images.Shape.Length is not (2 or 3) || images.Shape[0] == 0)
            throw new IlgpuAeException($"'{imagesPath}' has shape ({string.Join(", ", images.Shape)}); images must be [N, H, W] or [N, D] with N > 0.");
        int n = images.Shape[0];
        int height = images.Shape.Length == 3 ? images.Shape[1] : 1;
        int width = images.Shape.Length == 3 ? images.Shape[2] : images.Shape[1];
        double scale = images.DType is "|u1" or "<u1" ? 1.0 / 255 : 1;
        var pixels = images.Values.Select(v => (float)(v * scale)).ToArray();
        byte[] labels = new byte[n];
        int classes = 10;
        if (labelsPath is not null)
        {
            var l = Read(labelsPath);
            if (l.Shape.Length != 1 || l.Shape[0] != n)
                throw new IlgpuAeException($"'{labelsPath}' has shape ({string.Join(", ", l.Shape)}); the labels of '{imagesPath}' must be [{n}].");
            for (int i = 0; i < n; i++)
            {
                double v = l.Values[i];
                if (v < 0 || v > 255 || v != Math.Floor(v))
                    throw new IlgpuAeException($"'{labelsPath}': label {v.ToString(CultureInfo.InvariantCulture)} of row {i} is not an integer class in 0..255.");
                labels[i] = (byte)v;
            }
            classes = Math.Max(10, labels.Max() + 1);
        }
        return new Dataset(name, pixels, labels, width, height, classes);
    }
}
