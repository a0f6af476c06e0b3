using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using IlgpuAe.Files;

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
/// for researchers' own arrays. The header is parsed strictly (<see cref="NpyHeader"/>), every size in it is checked
/// against the file's length before anything is allocated, and the elements are decoded in chunks straight into the
/// destination type, so a damaged or hostile file is refused, never trusted, and memory is spent once.
/// </summary>
public static class Npy
{
    static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Largest decoded array accepted (1 GiB, counted in the type it is decoded to): a header claiming more is treated as damaged.</summary>
    public const long MaxDataBytes = 1L << 30;

    /// <summary>Reads one .npy file as doubles; throws <see cref="IlgpuAeException"/> naming the problem for a missing, damaged, oversized, Fortran-order, unsupported-dtype or non-regular file.</summary>
    public static NpyArray Read(string path)
    {
        var (header, values) = ReadAs<double>(path, 1);
        return new NpyArray(header.DType, header.Shape, values);
    }

    /// <summary>Parses the bytes of a .npy file; <paramref name="name"/> names it in messages.</summary>
    public static NpyArray Parse(ReadOnlySpan<byte> bytes, string name)
    {
        var header = ParseHeader(bytes, name);
        var values = Allocate<double>(header, bytes.Length - header.DataOffset, name);
        Decode(header.DType, bytes[header.DataOffset..], values, 1);
        return new NpyArray(header.DType, header.Shape, values);
    }

    static NpyHeader ParseHeader(ReadOnlySpan<byte> bytes, string name)
    {
        var (preamble, length) = NpyHeader.Lengths(bytes, name);
        if (preamble + length > bytes.Length)
            throw new IlgpuAeException($"'{name}' is truncated inside its .npy header.");
        return NpyHeader.Parse(bytes.Slice(preamble, length), preamble + length, name);
    }

    /// <summary>
    /// The decoded array, refused when it would exceed <see cref="MaxDataBytes"/> in <typeparamref name="T"/> or when the
    /// <paramref name="available"/> data bytes are not exactly what the header describes.
    /// </summary>
    static T[] Allocate<T>(NpyHeader header, long available, string name) where T : unmanaged
    {
        long count = 1;
        foreach (int d in header.Shape)
        {
            count *= d;
            if (count * Math.Max(header.ElementSize, System.Runtime.CompilerServices.Unsafe.SizeOf<T>()) > MaxDataBytes)
                throw new IlgpuAeException($"'{name}' claims a shape ({header.ShapeText}) larger than the 1 GiB this loader accepts (counted as {(System.Runtime.CompilerServices.Unsafe.SizeOf<T>() == 4 ? "float32" : "float64")} in memory).");
        }
        Check(header, available, name);
        return new T[count];
    }

    static void Check(NpyHeader header, long available, string name)
    {
        long needed = header.Count * header.ElementSize;
        if (available != needed)
            throw new IlgpuAeException($"'{name}' has shape ({header.ShapeText}) of {header.DType}, which needs {needed} bytes, but {available} follow the header.");
    }

    /// <summary>Reads the file at <paramref name="path"/> in chunks into <typeparamref name="T"/>, each element times <paramref name="scale"/> (computed in double, as one widening would).</summary>
    static (NpyHeader, T[]) ReadAs<T>(string path, double scale) where T : unmanaged, System.Numerics.IFloatingPoint<T>
    {
        using var file = RegularFile.OpenRead(path, ".npy file");
        try
        {
            long length = file.Length;
            var header = ReadHeader(file, path);
            var values = Allocate<T>(header, length - header.DataOffset, path);
            int size = header.ElementSize;
            var chunk = new byte[(1 << 20) / size * size];
            long done = 0;
            while (done < values.LongLength)
            {
                int n = (int)Math.Min(chunk.Length / size, values.LongLength - done);
                file.ReadExactly(chunk, 0, n * size);
                Decode(header.DType, chunk.AsSpan(0, n * size), values.AsSpan((int)done, n), scale);
                done += n;
            }
            return (header, values);
        }
        catch (Exception e) when (e is IOException)
        {
            throw new IlgpuAeException($".npy file '{path}' cannot be read: {e.Message}", e);
        }
    }

    static void Decode<T>(string dtype, ReadOnlySpan<byte> data, Span<T> destination, double scale) where T : unmanaged, System.Numerics.IFloatingPoint<T>
    {
        for (int i = 0; i < destination.Length; i++)
        {
            double v = dtype switch
            {
                "<f4" => BinaryPrimitives.ReadSingleLittleEndian(data.Slice(4 * i, 4)),
                "<f8" => BinaryPrimitives.ReadDoubleLittleEndian(data.Slice(8 * i, 8)),
                "<i8" => BinaryPrimitives.ReadInt64LittleEndian(data.Slice(8 * i, 8)),
                _ => data[i],
            };
            destination[i] = T.CreateTruncating(v * scale);
        }
    }

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
    /// A dataset from an images array ([N, C, H, W], [N, H, W] (one channel) or [N, D] (one channel, one row of D); uint8
    /// scaled by 1/255, floats taken as they are and
    /// required to lie in [0, 1]), decoded straight to float, and an optional labels array ([N] integers), under the
    /// one label rule of every format (<see cref="LabelRule"/>): each below <paramref name="classes"/>.
    /// </summary>
    public static Dataset LoadImages(string imagesPath, string? labelsPath, string name, int classes = LabelRule.DefaultClasses)
    {
        var header = PeekHeader(imagesPath);
        if (header.Shape.Length is not (2 or 3 or 4) || header.Shape.Any(d => d == 0))
            throw new IlgpuAeException($"'{imagesPath}' has shape ({string.Join(", ", header.Shape)}); images must be [N, C, H, W], [N, H, W] or [N, D] with no size 0.");
        double scale = header.DType is "|u1" or "<u1" ? 1.0 / 255 : 1;
        var (_, pixels) = ReadAs<float>(imagesPath, scale);
        var shape = header.Shape;
        int n = shape[0];
        int channels = shape.Length == 4 ? shape[1] : 1;
        int height = shape.Length >= 3 ? shape[^2] : 1;
        int width = shape[^1];
        byte[] labels = new byte[n];
        if (labelsPath is not null)
        {
            var l = Read(labelsPath);
            if (l.Shape.Length != 1 || l.Shape[0] != n)
                throw new IlgpuAeException($"'{labelsPath}' has shape ({string.Join(", ", l.Shape)}); the labels of '{imagesPath}' must be [{n}].");
            labels = LabelRule.FromValues(l.Values, classes, labelsPath);
        }
        return new Dataset(name, pixels, labels, width, height, classes, channels);
    }

    /// <summary>The header alone (shape checks before the data is read).</summary>
    static NpyHeader PeekHeader(string path)
    {
        using var file = RegularFile.OpenRead(path, ".npy file");
        try
        {
            return ReadHeader(file, path);
        }
        catch (IOException e)
        {
            throw new IlgpuAeException($".npy file '{path}' cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Reads and parses the preamble and header at the start of <paramref name="file"/>, leaving it at the first element.</summary>
    static NpyHeader ReadHeader(FileStream file, string path)
    {
        var start = new byte[(int)Math.Min(file.Length, NpyHeader.MaxPreamble)];
        file.ReadExactly(start);
        var (preamble, headerLength) = NpyHeader.Lengths(start, path);
        if (preamble + headerLength > file.Length)
            throw new IlgpuAeException($"'{path}' is truncated inside its .npy header.");
        var headerBytes = new byte[headerLength];
        file.Position = preamble;
        file.ReadExactly(headerBytes);
        return NpyHeader.Parse(headerBytes, preamble + headerLength, path);
    }
}
