using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Xunit;
using IlgpuAe.Checkpoints;
using Xunit;

namespace IlgpuAe.Tests.Data;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly float[] Weights = [1.5f, -0f, float.Epsilon, float.MaxValue, float.NaN, -3.25e-7f];
    private static readonly double[] Moments = [Math.PI, -1e-300, double.NegativeInfinity, 0.1];
    private static readonly byte[] Mask = [0, 1, 255, 7, 9];

    private static TensorEntry[] SampleTensors() =>
    [
        TensorEntry.FromFloats("encoder.weight", [2, 3], Weights),
        TensorEntry.FromDoubles("adam.m", [4], Moments),
        new TensorEntry("mask", DType.U8, [5], Mask),
        new TensorEntry("step", DType.I64, [], BitConverter.GetBytes(12345L)),
    ];

    private static readonly Dictionary<string, string> SampleMetadata = new()
    {
        ["model"] = "vae",
        ["config"] = "{\"latent\": 20, \"hidden\": [400]}",
        ["note"] = "ünïcødé ✓",
    };

    private string WriteSample(string name = "model.safetensors")
    {
        var path = _dir.File(name);
        SafeTensors.Write(path, SampleMetadata, SampleTensors());
        return path;
    }

    [Fact]
    public void Tensors_and_metadata_round_trip_bit_exactly()
    {
        var file = SafeTensors.Read(WriteSample());

        Assert.Equal(SampleMetadata, file.Metadata);
        Assert.Equal(["encoder.weight", "adam.m", "mask", "step"], file.Tensors.Select(t => t.Name));
        Assert.Equal(Weights.Select(BitConverter.SingleToInt32Bits), file.GetFloats("encoder.weight").Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(Moments.Select(BitConverter.DoubleToInt64Bits), file.GetDoubles("adam.m").Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(Mask, file.Get("mask").Data);
        Assert.Equal([2L, 3L], file.Get("encoder.weight").Shape);
        Assert.Empty(file.Get("step").Shape);
        Assert.Equal(12345L, BitConverter.ToInt64(file.Get("step").Data));
        Assert.Equal(DType.I64, file.Get("step").DType);
    }

    [Fact]
    public void The_header_is_plain_json_padded_to_eight_bytes_with_contiguous_offsets()
    {
        var bytes = File.ReadAllBytes(WriteSample());
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, n % 8);
        using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)n));
        var root = doc.RootElement;

        Assert.Equal("vae", root.GetProperty("__metadata__").GetProperty("model").GetString());
        var weight = root.GetProperty("encoder.weight");
        Assert.Equal("F32", weight.GetProperty("dtype").GetString());
        Assert.Equal([2, 3], weight.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([0, 24], weight.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([24, 56], root.GetProperty("adam.m").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(8 + n + 24 + 32 + 5 + 8, bytes.Length);
    }

    [Fact]
    public void Asking_for_a_missing_tensor_or_the_wrong_dtype_names_the_tensor()
    {
        var file = SafeTensors.Read(WriteSample());
        Assert.Contains("'decoder.bias'", Assert.Throws<IlgpuAeException>(() => file.Get("decoder.bias")).Message);
        Assert.Contains("'mask' as U8, not F32", Assert.Throws<IlgpuAeException>(() => file.GetFloats("mask")).Message);
    }

    [Fact]
    public void Writing_a_tensor_whose_bytes_do_not_match_its_shape_is_refused()
    {
        var bad = new TensorEntry("w", DType.F32, [3], new byte[8]);
        var e = Assert.Throws<IlgpuAeException>(() => SafeTensors.Write(_dir.File("x"), SampleMetadata, [bad]));
        Assert.Contains("'w'", e.Message);
        Assert.False(File.Exists(_dir.File("x")));
    }

    /// <summary>Writes a file with a hand-made header and buffer, as a damaged or hostile writer might.</summary>
    private string Forge(string header, int bufferBytes, ulong? declaredLength = null)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + bufferBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        var path = _dir.File("forged-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public static TheoryData<string, int, ulong?, string> ForgedFiles() => new()
    {
        { """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, 1UL << 40, "absurd header length" },
        { """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, 5000UL, "header of 5000 bytes" },
        { """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 4, null, "truncated" },
        { """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8000000000]}}""", 8, null, "need 8 bytes" },
        { """{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8, null, "need 12 bytes" },
        { """{"w":{"dtype":"BF16","shape":[4],"data_offsets":[0,8]}}""", 8, null, "unknown dtype 'BF16'" },
        { """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}""", 8, null, "not valid JSON" },
        { """{"__metadata__":{"epoch":3},"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", 1, null, "'epoch' whose value is not a string" },
        { """{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}""", 6, null, "overlaps" },
        { """{"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}""", 4, null, "gap" },
        { """{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,4]}}""", 4, null, "non-negative" },
        { """{"a":{"dtype":"F64","shape":[4611686018427387904,4],"data_offsets":[0,8]}}""", 8, null, "impossibly large" },
        { """[1,2,3]""", 0, null, "not a JSON object" },
        { "{\"\\ud800\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, null, "invalid string" },
    };

    [Theory]
    [MemberData(nameof(ForgedFiles))]
    public void A_damaged_file_gives_an_IlgpuAeException_naming_the_file_and_the_problem(string header, int buffer, ulong? declared, string problem)
    {
        var path = Forge(header, buffer, declared);
        var e = Assert.Throws<IlgpuAeException>(() => SafeTensors.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void A_header_with_ill_formed_utf8_is_reported_as_such()
    {
        var path = Forge("{\"__metadata__\":{\"k\":\"#\"}}", 0);
        var bytes = File.ReadAllBytes(path);
        bytes[Array.IndexOf(bytes, (byte)'#')] = 0xDF; // a UTF-8 lead byte with no continuation
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<IlgpuAeException>(() => SafeTensors.Read(path));
        Assert.Contains("not valid UTF-8", e.Message);
    }

    [Fact]
    public void A_file_shorter_than_the_length_field_is_reported_as_truncated()
    {
        var path = _dir.File("stub");
        File.WriteAllBytes(path, [1, 2, 3]);
        var e = Assert.Throws<IlgpuAeException>(() => SafeTensors.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Property(MaxTest = 200)]
    public void Truncated_or_corrupted_files_read_correctly_or_give_an_IlgpuAeException(
        NonNegativeInt cut, bool truncate, NonNegativeInt[] flips, byte xor)
    {
        var original = File.ReadAllBytes(WriteSample("pristine"));
        var bytes = (byte[])original.Clone();
        foreach (var f in flips.Take(4))
            bytes[f.Get % bytes.Length] ^= xor == 0 ? (byte)1 : xor;
        if (truncate)
            bytes = bytes[..(cut.Get % bytes.Length)];
        var path = _dir.File("mutant");
        File.WriteAllBytes(path, bytes);

        SafeTensorFile file;
        try
        {
            file = SafeTensors.Read(path);
        }
        catch (IlgpuAeException e)
        {
            Assert.Contains(path, e.Message);
            return;
        }
        // Accepted: then the buffer must be exactly the bytes the header points at, nothing invented.
        Assert.False(truncate, "a truncated file was accepted");
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(bytes.Length - 8 - n, file.Tensors.Sum(t => (long)t.Data.Length));
        Assert.Equal(bytes[(int)(8 + n)..], file.Tensors.SelectMany(t => t.Data));
        Assert.All(file.Tensors, t => Assert.Equal(t.Data.LongLength, t.Shape.Aggregate((long)t.DType.Size(), (a, b) => a * b)));
    }

    [Fact]
    public void A_write_that_fails_part_way_leaves_the_previous_checkpoint_intact_and_no_stray_files()
    {
        var path = WriteSample();
        var before = File.ReadAllBytes(path);

        static IEnumerable<TensorEntry> FailingAfterOne()
        {
            yield return TensorEntry.FromFloats("encoder.weight", [1], [9f]);
            throw new InvalidOperationException("device lost while copying parameters");
        }

        Assert.Throws<InvalidOperationException>(() => SafeTensors.Write(path, new Dictionary<string, string>(), FailingAfterOne()));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(Weights.Length, SafeTensors.Read(path).GetFloats("encoder.weight").Length);
        Assert.Equal([path], Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Writing_over_an_existing_checkpoint_replaces_it_whole()
    {
        var path = WriteSample();
        SafeTensors.Write(path, new Dictionary<string, string> { ["v"] = "2" }, [TensorEntry.FromFloats("only", [1], [4f])]);
        var file = SafeTensors.Read(path);
        Assert.Equal("2", file.Metadata["v"]);
        Assert.Equal([4f], file.GetFloats("only"));
        Assert.Single(file.Tensors);
    }
}
