using FsCheck;
using FsCheck.Fluent;
using IlgpuAe.Data;
using Xunit;

namespace IlgpuAe.Tests.Data;

/// <summary>.npy arrays: exact round trips, and one clear error for every damaged or foreign file.</summary>
public class NpyTests
{
    static readonly double[] Pixels = Enumerable.Range(0, 2 * 3 * 4).Select(i => i / 23.0).ToArray();

    [Theory]
    [InlineData("<f4")]
    [InlineData("<f8")]
    [InlineData("|u1")]
    [InlineData("<i8")]
    public void Every_supported_dtype_round_trips(string dtype)
    {
        var values = dtype is "|u1" or "<i8" ? Pixels.Select(v => Math.Round(v * 200)).ToArray() : Pixels;
        var read = Npy.Parse(Npy.Encode(dtype, [2, 3, 4], values), "x.npy");
        Assert.Equal(dtype, read.DType);
        Assert.Equal([2, 3, 4], read.Shape);
        var expected = dtype == "<f4" ? values.Select(v => (double)(float)v).ToArray() : values;
        Assert.Equal(expected, read.Values);
    }

    [Fact]
    public void Images_and_labels_make_a_dataset_with_uint8_scaled_to_the_unit_interval()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("x.npy"), Npy.Encode("|u1", [2, 2, 3], [0, 255, 51, 102, 153, 204, 1, 2, 3, 4, 5, 6]));
        File.WriteAllBytes(dir.File("y.npy"), Npy.Encode("<i8", [2], [3, 7]));
        var d = Npy.LoadImages(dir.File("x.npy"), dir.File("y.npy"), "mine");
        Assert.Equal((3, 2, 2), (d.Width, d.Height, d.Count)); // [N, H, W]
        Assert.Equal(1f, d.Images[1]);
        Assert.Equal(0.2f, d.Images[2], 6);
        Assert.Equal([3, 7], d.Labels);
    }

    public static TheoryData<string, byte[], string> Damaged()
    {
        var good = Npy.Encode("<f4", [2, 3], Pixels[..6]);
        var header = System.Text.Encoding.ASCII.GetString(good, 10, good.Length - 10 - 24);
        byte[] WithHeader(string h)
        {
            var bytes = good.ToArray();
            System.Text.Encoding.ASCII.GetBytes(h.PadRight(header.Length)).CopyTo(bytes, 10);
            return bytes;
        }
        return new TheoryData<string, byte[], string>
        {
            { "truncated data", good[..^5], "needs 24 bytes, but 19 follow" },
            { "wrong magic", [.. "NOTNPY"u8, .. good[6..]], "not a .npy file" },
            { "cut inside the header", good[..20], "truncated inside its .npy header" },
            { "fortran order", WithHeader(header.Replace("False", "True ")), "Fortran order" },
            { "big-endian floats", WithHeader(header.Replace("<f4", ">f4")), "dtype '>f4'" },
            { "shape larger than the data", WithHeader(header.Replace("(2, 3)", "(9, 3)")), "needs 108 bytes" },
            { "absurd shape", WithHeader(header.Replace("(2, 3)", "(999999, 99999)")), "larger than the 1 GiB" },
            { "unknown version", [.. good[..6], 9, 0, .. good[8..]], "version 9.0" },
        };
    }

    [Theory, MemberData(nameof(Damaged))]
    public void A_damaged_file_is_one_clear_error(string what, byte[] bytes, string says)
    {
        var e = Assert.Throws<IlgpuAeException>(() => Npy.Parse(bytes, "mine.npy"));
        Assert.Contains(says, e.Message);
        Assert.Contains("mine.npy", e.Message);
        Assert.False(string.IsNullOrEmpty(what));
    }

    [Fact]
    public void Nan_pixels_are_refused_by_name()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("x.npy"), Npy.Encode("<f4", [2, 2], [0.5, double.NaN, 0.1, 0.2]));
        var e = Assert.Throws<IlgpuAeException>(() => Npy.LoadImages(dir.File("x.npy"), null, "mine"));
        Assert.Contains("mine", e.Message);
    }

    [Fact]
    public void Labels_of_the_wrong_length_are_named()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("x.npy"), Npy.Encode("|u1", [3, 4], new double[12]));
        File.WriteAllBytes(dir.File("y.npy"), Npy.Encode("|u1", [2], [1, 2]));
        var e = Assert.Throws<IlgpuAeException>(() => Npy.LoadImages(dir.File("x.npy"), dir.File("y.npy"), "mine"));
        Assert.Contains("must be [3]", e.Message);
    }

    [Fact]
    public void Mutated_files_give_the_right_array_or_one_clear_error_never_another_exception()
    {
        var good = Npy.Encode("<f8", [3, 5], Enumerable.Range(0, 15).Select(i => i * 0.25).ToArray());
        var gen = from cut in Gen.Choose(0, good.Length)
                  from flips in Gen.ListOf(Gen.Zip(Gen.Choose(0, good.Length - 1), Gen.Choose(0, 255)))
                  select (cut, flips.ToArray());
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var bytes = good[..c.cut].ToArray();
            foreach (var (at, value) in c.Item2)
                if (at < bytes.Length) bytes[at] = (byte)value;
            try
            {
                var read = Npy.Parse(bytes, "m.npy");
                Assert.Equal(read.Shape.Aggregate(1L, (a, b) => a * b), read.Count);
            }
            catch (IlgpuAeException)
            {
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(400));
    }

    [Fact]
    public void A_directory_of_npy_arrays_is_a_data_source()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("train.npy"), Npy.Encode("<f4", [6, 4], Enumerable.Range(0, 24).Select(i => i / 30.0).ToArray()));
        File.WriteAllBytes(dir.File("test.npy"), Npy.Encode("<f4", [2, 4], Enumerable.Range(0, 8).Select(i => i / 10.0).ToArray()));
        var split = DataSources.Load(dir.Path);
        Assert.Equal((6, 2, 4), (split.Train.Count, split.Test.Count, split.Train.Features));
        File.Delete(dir.File("test.npy"));
        var e = Assert.Throws<IlgpuAeException>(() => DataSources.Load(dir.Path));
        Assert.Contains("no test.npy", e.Message);
    }

    [Fact]
    public void An_NCHW_array_makes_a_dataset_of_that_many_channels()
    {
        using var dir = new TempDirectory();
        var values = Enumerable.Range(0, 2 * 3 * 2 * 4).Select(i => (double)i).ToArray();
        File.WriteAllBytes(dir.File("x.npy"), Npy.Encode("|u1", [2, 3, 2, 4], values));
        var d = Npy.LoadImages(dir.File("x.npy"), null, "mine");
        Assert.Equal((2, 3, 2, 4, 24), (d.Count, d.Channels, d.Height, d.Width, d.Features));
        Assert.Equal("3x2x4", d.ShapeText);
        Assert.Equal(values.Select(v => (float)(v / 255)), d.Images);
    }

    [Theory]
    [InlineData(new[] { 2, 3, 2, 4, 1 }, "images must be [N, C, H, W], [N, H, W] or [N, D]")]
    [InlineData(new[] { 2, 0, 2, 4 }, "with no size 0")]
    [InlineData(new[] { 5 }, "images must be [N, C, H, W]")]
    public void An_array_of_another_rank_or_an_empty_axis_is_one_clear_error(int[] shape, string says)
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("x.npy"), Npy.Encode("<f4", shape, new double[shape.Aggregate(1, (a, b) => a * b)]));
        var e = Assert.Throws<IlgpuAeException>(() => Npy.LoadImages(dir.File("x.npy"), null, "mine"));
        Assert.Contains(says, e.Message);
        Assert.Contains("x.npy", e.Message);
    }

    [Fact]
    public void A_truncated_NCHW_file_is_one_clear_error()
    {
        using var dir = new TempDirectory();
        var bytes = Npy.Encode("<f4", [2, 3, 2, 2], new double[24]);
        File.WriteAllBytes(dir.File("x.npy"), bytes[..^7]);
        var e = Assert.Throws<IlgpuAeException>(() => Npy.LoadImages(dir.File("x.npy"), null, "mine"));
        Assert.Contains("has shape (2, 3, 2, 2) of <f4, which needs 96 bytes, but 89 follow", e.Message);
    }

    [Fact]
    public void Train_and_test_arrays_of_different_image_shapes_are_refused()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("train.npy"), Npy.Encode("<f4", [2, 3, 2, 2], new double[24]));
        File.WriteAllBytes(dir.File("test.npy"), Npy.Encode("<f4", [1, 1, 6, 2], new double[12]));
        var e = Assert.Throws<IlgpuAeException>(() => DataSources.Load(dir.Path));
        Assert.Contains("train.npy holds images of 3x2x2 (channels x height x width) but test.npy holds 1x6x2", e.Message);
    }
}
