using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace IlgpuAe.Data;

/// <summary>
/// One gzip member (RFC 1952) read strictly: the header field by field, the deflate data, and then the 8-byte trailer,
/// whose CRC-32 and length must match what was decompressed. .NET's GZipStream accepts a stream without its trailer
/// and reports a bad CRC as an "unsupported compression method"; this says what is wrong.
/// </summary>
internal sealed class GzipMember : Stream
{
    readonly byte[] _compressed;
    readonly int _dataStart;
    readonly string _name;
    readonly DeflateStream _inflate;
    readonly Crc32 _crc = new();
    long _length;

    GzipMember(byte[] compressed, int dataStart, string name)
    {
        _compressed = compressed;
        _dataStart = dataStart;
        _name = name;
        _inflate = new DeflateStream(new MemoryStream(compressed, dataStart, compressed.Length - dataStart, writable: false), CompressionMode.Decompress);
    }

    /// <summary>The decompressed bytes of the member held in <paramref name="compressed"/> (<paramref name="name"/> as messages start, e.g. "IDX file 'x'"); call <see cref="VerifyTrailer"/> after reading them all.</summary>
    public static GzipMember Open(byte[] compressed, string name) => new(compressed, HeaderLength(compressed, name), name);

    static int HeaderLength(byte[] b, string name)
    {
        IlgpuAeException Truncated() => new($"{name} is truncated inside its gzip header.");
        if (b.Length < 10) throw Truncated();
        if (b[2] != 8) throw new IlgpuAeException($"{name} uses gzip compression method {b[2]}; gzip defines only deflate (8).");
        byte flags = b[3];
        if ((flags & 0xE0) != 0) throw new IlgpuAeException($"{name} sets reserved gzip header flags (0x{flags:x2}).");
        int at = 10;
        if ((flags & 4) != 0) // FEXTRA: a length, then that many bytes
        {
            if (at + 2 > b.Length) throw Truncated();
            at += 2 + BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at));
        }
        foreach (int flag in new[] { 8, 16 }) // FNAME, FCOMMENT: zero-terminated
            if ((flags & flag) != 0)
            {
                int end = at < b.Length ? Array.IndexOf(b, (byte)0, at) : -1;
                if (end < 0) throw Truncated();
                at = end + 1;
            }
        if ((flags & 2) != 0) // FHCRC: the low 16 bits of the header's CRC-32
        {
            if (at + 2 > b.Length) throw Truncated();
            if ((ushort)Crc32.HashToUInt32(b.AsSpan(0, at)) != BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at)))
                throw new IlgpuAeException($"{name} fails its gzip header CRC.");
            at += 2;
        }
        if (at + 8 > b.Length) throw new IlgpuAeException($"{name} is truncated: it is too short for gzip data and its 8-byte trailer.");
        return at;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n;
        try
        {
            n = _inflate.Read(buffer);
        }
        catch (InvalidDataException)
        {
            throw new IlgpuAeException($"{_name} is damaged: its gzip data is not a valid deflate stream.");
        }
        _crc.Append(buffer[..n]);
        _length += n;
        return n;
    }

    /// <summary>After every byte was read: the trailer must be the last 8 bytes and record the CRC-32 and length (mod 2^32) of the data.</summary>
    public void VerifyTrailer()
    {
        Span<byte> expected = stackalloc byte[8];
        uint crc = _crc.GetCurrentHashAsUInt32();
        BinaryPrimitives.WriteUInt32LittleEndian(expected, crc);
        BinaryPrimitives.WriteUInt32LittleEndian(expected[4..], (uint)_length);
        var tail = _compressed.AsSpan(_compressed.Length - 8);
        if (tail.SequenceEqual(expected)) return;
        int found = _compressed.AsSpan(_dataStart).LastIndexOf(expected);
        if (found >= 0)
            throw new IlgpuAeException($"{_name} has {_compressed.Length - _dataStart - found - 8} bytes after its gzip trailer (a second member or garbage).");
        uint recordedCrc = BinaryPrimitives.ReadUInt32LittleEndian(tail), recordedLength = BinaryPrimitives.ReadUInt32LittleEndian(tail[4..]);
        if (recordedLength == (uint)_length)
            throw new IlgpuAeException($"{_name} fails its gzip CRC-32 check: the data has CRC-32 0x{crc:x8}, the trailer records 0x{recordedCrc:x8} (the file is damaged).");
        if (recordedCrc == crc)
            throw new IlgpuAeException($"{_name} has a gzip trailer recording {recordedLength} bytes, but {_length} were decompressed (the file is damaged).");
        throw new IlgpuAeException($"{_name} is truncated or damaged: its 8-byte gzip trailer (CRC-32 and length of the data) is missing or wrong.");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inflate.Dispose();
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
