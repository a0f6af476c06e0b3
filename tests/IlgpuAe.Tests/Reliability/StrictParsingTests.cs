using System.Buffers.Binary;
using System.Text;
using IlgpuAe.Data;
using IlgpuAe.Tests.Data;
using Xunit;

namespace IlgpuAe.Tests.Reliability;

/// <summary>Strict parsing: .npy headers and gzip trailers are checked whole, lenient options are refused, one label rule.</summary>
public class StrictParsingTests : IDisposable
{
    readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    static byte[] WithHeader(string header)
    {
        var good = Npy.Encode("<f4", [2, 3], new double[6]);
        int length = BinaryPrimitives.ReadUInt16LittleEndian(good.AsSpan(8));
        var bytes = good.ToArray();
        Encoding.ASCII.GetBytes(header.PadRight(length - 1) + "\n").CopyTo(bytes, 10);
        return bytes;
    }

    public static TheoryData<string, string> BadHeaders() => new()
    {
        { "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), ", "closing brace" },
        { "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\0", "NUL" },
        { "{'descr': '<f4\0', 'fortran_order': False, 'shape': (2, 3), }", "NUL" },
        { "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } x", "after its closing brace" },
        { "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1, }", "extra" },
        { "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", "twice" },
        { "{'descr': '<f4', 'fortran_order': False, 'shape': (6), }", "trailing comma" },
        { "{'descr': '<f4' 'fortran_order': False, 'shape': (2, 3), }", "where a comma or the closing brace belongs" },
    };

    [Theory, MemberData(nameof(BadHeaders))]
    public void A_npy_header_that_is_not_exactly_numpys_dict_is_refused(string header, string says)
    {
        var bytes = WithHeader(header);
        var e = Assert.Throws<IlgpuAeException>(() => Npy.Parse(bytes, "h.npy"));
        Assert.Contains("h.npy", e.Message);
        Assert.Contains(says, e.Message);
    }

    [Fact]
    public void Numpys_own_header_forms_are_read()
    {
        Assert.Equal([2, 3], Npy.Parse(WithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), "a").Shape);
        Assert.Equal([6], Npy.Parse(WithHeader("{'shape': (6,), 'fortran_order': False, 'descr': '<f4'}"), "b").Shape);
    }

    static byte[] Gzip() => IdxBytes.Gzip(IdxBytes.Ubyte(4, 3, 3));

    public static TheoryData<string, string> BadGzips() => new()
    {
        { "no-trailer", "truncated or damaged: its 8-byte gzip trailer" },
        { "half-trailer", "gzip trailer" },
        { "bad-crc", "fails its gzip CRC-32 check" },
        { "bad-length", "gzip trailer recording" },
        { "garbage-after", "bytes after its gzip trailer" },
    };

    [Theory, MemberData(nameof(BadGzips))]
    public void A_gzip_stream_whose_trailer_is_missing_or_wrong_is_refused_with_the_right_message(string damage, string says)
    {
        var good = Gzip();
        var bytes = damage switch
        {
            "no-trailer" => good[..^8],
            "half-trailer" => good[..^4],
            "bad-crc" => Flip(good, good.Length - 8, 0x55),
            "bad-length" => Flip(good, good.Length - 4, 0x01),
            _ => [.. good, 1, 2, 3],
        };
        string path = _dir.File(damage + ".gz");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<IlgpuAeException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(says, e.Message);
        Assert.DoesNotContain("unsupported compression method", e.Message);
    }

    static byte[] Flip(byte[] bytes, int at, byte xor)
    {
        var copy = bytes.ToArray();
        copy[at] ^= xor;
        return copy;
    }

    [Fact]
    public void A_good_gzip_file_still_reads()
    {
        string path = _dir.File("good.gz");
        File.WriteAllBytes(path, Gzip());
        Assert.Equal(IdxBytes.Ubyte(4, 3, 3)[16..], Idx.Read(path).Data);
    }

    [Theory]
    [InlineData("--checkpoint-every", "0")]
    [InlineData("--hidden", "")]
    [InlineData("--hidden", " ")]
    public void Leftover_lenient_options_are_refused_as_a_bad_command_line(string option, string value)
    {
        string data = Hostile.TinyData(_dir);
        var args = Hostile.QuickTrain(data, _dir.File("run")).ToList();
        int at = args.IndexOf(option);
        if (at >= 0) args[at + 1] = value;
        else args.AddRange([option, value]);
        var r = Hostile.Cli([.. args, "--epochs", "1"]);
        Assert.Equal(2, r.Code);
        Assert.Contains(option, r.Err);
        Assert.False(File.Exists(Path.Combine(_dir.File("run"), "model.safetensors")));
    }

    [Fact]
    public void Npy_labels_follow_the_same_rule_as_idx_labels_below_the_class_count()
    {
        string images = _dir.File("x.npy"), labels = _dir.File("y.npy");
        File.WriteAllBytes(images, Npy.Encode("|u1", [3, 4], new double[12]));
        File.WriteAllBytes(labels, Npy.Encode("<i8", [3], [1, 12, 2]));
        var npy = Assert.Throws<IlgpuAeException>(() => Npy.LoadImages(images, labels, "mine"));
        File.WriteAllBytes(_dir.File("img"), IdxBytes.Ubyte(3, 2, 2));
        File.WriteAllBytes(_dir.File("lbl"), IdxBytes.Raw(0x08, [3], [1, 12, 2]));
        var idx = Assert.Throws<IlgpuAeException>(() => Idx.LoadImages(_dir.File("img"), _dir.File("lbl"), "mine"));
        foreach (var e in new[] { npy, idx })
            Assert.Contains("label 12 of image 1 is not an integer class below the class count 10", e.Message);
        // A caller that knows its data has more classes says so, for either format's rule.
        Assert.Equal(13, Npy.LoadImages(images, labels, "mine", classes: 13).Classes);
    }
}
