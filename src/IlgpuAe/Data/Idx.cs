using System.Buffers.Binary;
using IlgpuAe.Files;

namespace IlgpuAe.Data;

/// <summary>Reading of IDX files (MNIST, Fashion-MNIST, ...), raw or gzip-compressed.</summary>
public static class Idx
{
    /// <summary>Largest element payload accepted; a header claiming more is treated as damaged rather than allocated.</summary>
    public const long MaxDataBytes = 1L << 30;

    /// <summary>Reads the IDX file at <paramref name="path"/>; gzip is recognised by its magic bytes, not by the file name.</summary>
    /// <exception cref="IlgpuAeException">The file is missing, unreadable, damaged or not IDX.</exception>
    public static IdxArray Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using (var file = RegularFile.OpenRead(path, "IDX file"))
            return Read(file, path);
    }

    /// <summary>Reads one IDX array from <paramref name="stream"/>, raw or gzip; <paramref name="nameForErrors"/> names it in messages.</summary>
    /// <exception cref="IlgpuAeException">The stream is damaged, truncated or not IDX.</exception>
    public static IdxArray Read(Stream stream, string nameForErrors)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(nameForErrors);
        try
        {
            var sniff = new byte[2];
            int got = ReadFully(stream, sniff);
            bool gzip = got == 2 && sniff[0] == 0x1f && sniff[1] == 0x8b;
            if (!gzip)
            {
                long? remaining = stream.CanSeek ? stream.Length - stream.Position + got : null;
                return ReadBody(new ReplayStream(sniff, got, stream), remaining, nameForErrors);
            }
            using var member = GzipMember.Open(ReadCompressed(new ReplayStream(sniff, got, stream), nameForErrors), $"IDX file '{nameForErrors}'");
            var array = ReadBody(member, null, nameForErrors);
            member.VerifyTrailer();
            return array;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new IlgpuAeException($"IDX file '{nameForErrors}' is damaged or truncated ({e.Message.TrimEnd('.')}).", e);
        }
    }

    /// <summary>
    /// Loads an image file ([count, rows, cols] unsigned bytes, scaled by 1/255) and its label file
    /// ([count] unsigned bytes, each below 10) into a <see cref="Dataset"/>.
    /// </summary>
    /// <exception cref="IlgpuAeException">Either file is unreadable or has the wrong type or shape, the counts differ, or a label is 10 or more.</exception>
    public static Dataset LoadImages(string imagesPath, string labelsPath, string name) =>
        ToDataset(Read(imagesPath), imagesPath, Read(labelsPath), labelsPath, name);

    internal static Dataset ToDataset(IdxArray images, string imagesName, IdxArray labels, string labelsName, string name)
    {
        if (images.DataType != IdxArray.UnsignedByte || images.Shape.Length != 3)
            throw new IlgpuAeException(
                $"IDX file '{imagesName}' holds {Describe(images)} but images must be unsigned bytes of shape [count, rows, cols].");
        if (labels.DataType != IdxArray.UnsignedByte || labels.Shape.Length != 1)
            throw new IlgpuAeException(
                $"IDX file '{labelsName}' holds {Describe(labels)} but labels must be unsigned bytes of shape [count].");
        if (images.Shape[0] != labels.Shape[0])
            throw new IlgpuAeException(
                $"IDX files '{imagesName}' and '{labelsName}' disagree: {images.Shape[0]} images but {labels.Shape[0]} labels.");
        LabelRule.Check(labels.Data, LabelRule.DefaultClasses, labelsName);

        var pixels = new float[images.Data.Length];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = images.Data[i] / 255f;
        return new Dataset(name, pixels, labels.Data, width: images.Shape[2], height: images.Shape[1]);
    }

    private static string Describe(IdxArray a) => $"type 0x{a.DataType:x2} with shape [{string.Join(", ", a.Shape)}]";

    private static IdxArray ReadBody(Stream s, long? knownLength, string name)
    {
        var magic = new byte[4];
        if (ReadFully(s, magic) < 4)
            throw new IlgpuAeException($"IDX file '{name}' is truncated: it is shorter than the 4-byte magic number.");
        if (magic[0] != 0 || magic[1] != 0)
            throw new IlgpuAeException(
                $"IDX file '{name}' has the wrong magic number: it starts with {magic[0]:x2} {magic[1]:x2} instead of 00 00, so it is not an IDX file.");
        byte type = magic[2];
        int elementSize = IdxArray.ElementSize(type);
        if (elementSize == 0)
            throw new IlgpuAeException($"IDX file '{name}' has unknown element type 0x{type:x2}.");
        int rank = magic[3];
        if (rank is < 1 or > 4)
            throw new IlgpuAeException($"IDX file '{name}' declares {rank} dimensions, but 1 to 4 are supported.");

        var dims = new byte[4 * rank];
        if (ReadFully(s, dims) < dims.Length)
            throw new IlgpuAeException($"IDX file '{name}' is truncated inside its {rank} dimension sizes.");
        var shape = new int[rank];
        long bytes = elementSize;
        for (int d = 0; d < rank; d++)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(dims.AsSpan(4 * d));
            if (size > int.MaxValue)
                throw new IlgpuAeException($"IDX file '{name}' declares an absurd size {size} for dimension {d}.");
            shape[d] = (int)size;
            // Checked at every step so the running product cannot overflow.
            bytes *= size;
            if (bytes > MaxDataBytes)
                throw new IlgpuAeException(
                    $"IDX file '{name}' declares shape [{string.Join(", ", dims.Chunk(4).Select(c => BinaryPrimitives.ReadUInt32BigEndian(c)))}], more than the {MaxDataBytes >> 30} GiB accepted.");
        }

        long header = 4 + dims.Length;
        if (knownLength is long total && total - header != bytes)
            throw new IlgpuAeException(total - header < bytes
                ? $"IDX file '{name}' is truncated: its shape [{string.Join(", ", shape)}] needs {bytes} data bytes but only {total - header} follow the header."
                : $"IDX file '{name}' has {total - header - bytes} bytes beyond the {bytes} data bytes its shape [{string.Join(", ", shape)}] describes.");

        var data = ReadExactly(s, bytes, name, shape);
        if (knownLength is null && s.ReadByte() >= 0)
            throw new IlgpuAeException($"IDX file '{name}' has data beyond the {bytes} bytes its shape [{string.Join(", ", shape)}] describes.");
        return new IdxArray { DataType = type, Shape = shape, Data = data };
    }

    // Grows the buffer as bytes actually arrive, so a lying size in a compressed file costs at most
    // about twice the real payload, never the size the header claims.
    private static byte[] ReadExactly(Stream s, long count, string name, int[] shape)
    {
        var buffer = new byte[(int)Math.Min(count, 1 << 20)];
        int filled = 0;
        while (filled < count)
        {
            if (filled == buffer.Length)
                Array.Resize(ref buffer, (int)Math.Min(count, 2L * buffer.Length));
            int n = s.Read(buffer, filled, buffer.Length - filled);
            if (n == 0)
                throw new IlgpuAeException(
                    $"IDX file '{name}' is truncated: its shape [{string.Join(", ", shape)}] needs {count} data bytes but only {filled} are present.");
            filled += n;
        }
        return buffer;
    }

    // The whole compressed member, so that its trailer can be found at the end; bounded like the data it holds.
    private static byte[] ReadCompressed(Stream s, string name)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int n;
        while ((n = s.Read(chunk)) > 0)
        {
            if (buffer.Length + n > MaxDataBytes)
                throw new IlgpuAeException($"IDX file '{name}' is larger than the {MaxDataBytes >> 30} GiB accepted.");
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    private static int ReadFully(Stream s, Span<byte> buffer)
    {
        int filled = 0;
        while (filled < buffer.Length)
        {
            int n = s.Read(buffer[filled..]);
            if (n == 0)
                break;
            filled += n;
        }
        return filled;
    }
}
