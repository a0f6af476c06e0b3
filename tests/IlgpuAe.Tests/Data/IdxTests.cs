using FsCheck;
using FsCheck.Xunit;
using IlgpuAe.Data;
using Xunit;

namespace IlgpuAe.Tests.Data;

public sealed class IdxTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string name, byte[] bytes)
    {
        var path = _dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Raw_and_gzip_copies_of_one_array_read_identically_whatever_the_file_name()
    {
        var raw = IdxBytes.Ubyte(3, 4, 5);
        // The gzip copy deliberately lacks a .gz suffix: detection is by magic bytes.
        var a = Idx.Read(Write("plain.gz", raw));
        var b = Idx.Read(Write("zipped", IdxBytes.Gzip(raw)));

        Assert.Equal(0x08, a.DataType);
        Assert.Equal([3, 4, 5], a.Shape);
        Assert.Equal(a.DataType, b.DataType);
        Assert.Equal(a.Shape, b.Shape);
        Assert.Equal(a.Data, b.Data);
    }

    [Fact]
    public void A_generated_file_round_trips_type_shape_and_bytes()
    {
        var data = Enumerable.Range(0, 2 * 3 * 4).SelectMany(i => BitConverter.GetBytes((float)i).Reverse()).ToArray();
        var read = Idx.Read(Write("floats", IdxBytes.Raw(0x0D, [2, 3, 4], data)));

        Assert.Equal(0x0D, read.DataType);
        Assert.Equal([2, 3, 4], read.Shape);
        Assert.Equal(data, read.Data);
    }

    [Fact]
    public void Reading_from_a_non_seekable_gzip_stream_gives_the_same_array()
    {
        var raw = IdxBytes.Ubyte(7, 2);
        using var stream = new ForwardOnlyStream(IdxBytes.Gzip(raw));
        var read = Idx.Read(stream, "pipe");
        Assert.Equal([7, 2], read.Shape);
        Assert.Equal(raw.AsSpan(12).ToArray(), read.Data);
    }

    public static TheoryData<string, byte[], string> DamagedFiles()
    {
        var good = IdxBytes.Ubyte(4, 3, 3);
        var wrongMagic = (byte[])good.Clone();
        wrongMagic[0] = 0x50;
        var tooMany = (byte[])good.Clone();
        tooMany[7] = 5; // first dimension 4 -> 5, more than the data holds
        var gzip = IdxBytes.Gzip(good);
        var badType = (byte[])good.Clone();
        badType[2] = 0x42;
        var badRank = (byte[])good.Clone();
        badRank[3] = 0;
        return new()
        {
            { "truncated", good[..^5], "truncated" },
            { "header-only", good[..6], "truncated" },
            { "empty", [], "truncated" },
            { "wrong-magic", wrongMagic, "magic" },
            { "dims-exceed-data", tooMany, "truncated" },
            { "gzip-cut-short", gzip[..(gzip.Length / 2)], "truncated" },
            { "unknown-type", badType, "type" },
            { "zero-dims", badRank, "dimensions" },
            { "trailing-bytes", [.. good, 1, 2, 3], "beyond" },
        };
    }

    [Theory]
    [MemberData(nameof(DamagedFiles))]
    public void A_damaged_file_gives_an_IlgpuAeException_naming_the_file_and_the_problem(string name, byte[] bytes, string problem)
    {
        var path = Write(name, bytes);
        var e = Assert.Throws<IlgpuAeException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(problem, e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_size_field_claiming_terabytes_is_refused_without_allocating()
    {
        var lying = IdxBytes.Raw(0x08, [int.MaxValue, int.MaxValue, 28], new byte[16]);
        var e = Assert.Throws<IlgpuAeException>(() => Idx.Read(new ForwardOnlyStream(IdxBytes.Gzip(lying)), "liar"));
        Assert.Contains("liar", e.Message);
        Assert.Contains("GiB", e.Message);
    }

    [Fact]
    public void A_missing_file_is_reported_by_name()
    {
        var path = _dir.File("nope");
        var e = Assert.Throws<IlgpuAeException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void LoadImages_scales_bytes_to_unit_floats_and_keeps_labels()
    {
        var images = Write("img", IdxBytes.Raw(0x08, [2, 2, 3], [0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8]));
        var labels = Write("lbl", IdxBytes.Raw(0x08, [2], [9, 0]));
        var d = Idx.LoadImages(images, labels, "tiny");

        Assert.Equal((2, 3, 2, 6), (d.Count, d.Width, d.Height, d.Features));
        Assert.Equal([0f, 1f, 0.2f, 0.4f], d.Images[..4]);
        Assert.Equal([9, 0], d.Labels);
    }

    [Fact]
    public void LoadImages_with_different_image_and_label_counts_names_both_counts()
    {
        var images = Write("img", IdxBytes.Ubyte(3, 2, 2));
        var labels = Write("lbl", IdxBytes.Raw(0x08, [2], [1, 2]));
        var e = Assert.Throws<IlgpuAeException>(() => Idx.LoadImages(images, labels, "x"));
        Assert.Contains("3 images but 2 labels", e.Message);
    }

    [Fact]
    public void LoadImages_rejects_a_label_of_ten_or_more()
    {
        var images = Write("img", IdxBytes.Ubyte(2, 2, 2));
        var labels = Write("lbl", IdxBytes.Raw(0x08, [2], [1, 10]));
        var e = Assert.Throws<IlgpuAeException>(() => Idx.LoadImages(images, labels, "x"));
        Assert.Contains("label 10", e.Message);
    }

    [Fact]
    public void LoadImages_rejects_images_that_are_not_three_dimensional_bytes()
    {
        var images = Write("img", IdxBytes.Ubyte(4, 4));
        var labels = Write("lbl", IdxBytes.Raw(0x08, [4], [1, 2, 3, 4]));
        var e = Assert.Throws<IlgpuAeException>(() => Idx.LoadImages(images, labels, "x"));
        Assert.Contains("[count, rows, cols]", e.Message);
    }

    [Property(MaxTest = 300)]
    public void Truncated_or_bit_flipped_files_give_the_right_array_or_an_IlgpuAeException(
        NonNegativeInt cut, NonNegativeInt flipAt, byte flip, bool gzip, bool truncate)
    {
        var original = IdxBytes.Ubyte(3, 2, 5);
        var raw = (byte[])original.Clone();
        int headerLength = 4 + 4 * 3;
        raw[flipAt.Get % headerLength] ^= flip;
        var bytes = gzip ? IdxBytes.Gzip(raw) : raw;
        if (truncate)
            bytes = bytes[..(cut.Get % bytes.Length)];

        IdxArray result;
        try
        {
            result = Idx.Read(new MemoryStream(bytes), "mutant");
        }
        catch (IlgpuAeException e)
        {
            Assert.Contains("mutant", e.Message);
            return;
        }
        // Anything accepted must be exactly what the (possibly flipped) header says the file holds.
        // Cutting only a gzip trailer loses no data, so only raw truncation must always fail.
        Assert.False(truncate && !gzip, "a truncated raw file was accepted");
        Assert.Equal(raw.Length - 4 - 4 * raw[3], result.Shape.Aggregate(IdxArray.ElementSize(result.DataType), (a, b) => a * b));
        Assert.Equal(raw[2], result.DataType);
        Assert.Equal(raw[^result.Data.Length..], result.Data);
        if (flip == 0)
            Assert.Equal(original[headerLength..], result.Data);
    }
}

/// <summary>A stream that cannot seek or report its length, like a pipe.</summary>
internal sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes)
{
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
}
