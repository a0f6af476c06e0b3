using System.Buffers.Binary;
using System.IO.Compression;

namespace IlgpuAe.Tests.Data;

/// <summary>Builds IDX files in memory, independently of the reader under test.</summary>
public static class IdxBytes
{
    public static byte[] Raw(byte type, int[] shape, byte[] data)
    {
        var bytes = new byte[4 + 4 * shape.Length + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)shape.Length;
        for (int d = 0; d < shape.Length; d++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), shape[d]);
        data.CopyTo(bytes, 4 + 4 * shape.Length);
        return bytes;
    }

    public static byte[] Gzip(byte[] raw)
    {
        using var buffer = new MemoryStream();
        using (var zip = new GZipStream(buffer, CompressionLevel.Fastest))
            zip.Write(raw);
        return buffer.ToArray();
    }

    /// <summary>Unsigned-byte IDX with deterministic, varied contents.</summary>
    public static byte[] Ubyte(params int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        var data = new byte[n];
        for (int i = 0; i < n; i++)
            data[i] = (byte)(i * 37 + 11);
        return Raw(0x08, shape, data);
    }
}
