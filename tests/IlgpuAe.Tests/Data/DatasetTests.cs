using IlgpuAe.Data;
using Xunit;

namespace IlgpuAe.Tests.Data;

public sealed class DatasetTests
{
    private static Dataset Small() => new("small", [0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f], [0, 1, 2], width: 2, height: 1, classes: 3);

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    [InlineData(1.5f, "1.5")]
    [InlineData(-0.25f, "-0.25")]
    public void A_pixel_that_is_not_in_the_unit_interval_is_refused_with_its_position(float bad, string shown)
    {
        var pixels = new float[] { 0f, 0.5f, 1f, bad };
        var e = Assert.Throws<IlgpuAeException>(() => new Dataset("d", pixels, [0, 1], 2, 1));
        Assert.Contains("pixel 1 of image 1", e.Message);
        Assert.Contains(shown, e.Message);
    }

    [Fact]
    public void Pixel_and_label_counts_that_disagree_are_refused()
    {
        var e = Assert.Throws<IlgpuAeException>(() => new Dataset("d", new float[5], [0, 1], 2, 1));
        Assert.Contains("5 pixels do not make 2 images of 2x1", e.Message);
    }

    [Fact]
    public void A_label_outside_the_classes_is_refused()
    {
        var e = Assert.Throws<IlgpuAeException>(() => new Dataset("d", new float[4], [0, 3], 2, 1, classes: 3));
        Assert.Contains("label 3", e.Message);
    }

    [Fact]
    public void Slice_copies_the_selected_rows()
    {
        var d = Small();
        var s = d.Slice(1, 2);
        Assert.Equal((2, 2, 3), (s.Count, s.Features, s.Classes));
        Assert.Equal([0.2f, 0.3f, 0.4f, 0.5f], s.Images);
        Assert.Equal([1, 2], s.Labels);
        s.Images[0] = 1f;
        Assert.Equal(0.2f, d.Images[2]);
    }

    [Fact]
    public void Gather_packs_the_rows_and_labels_of_the_given_indices_in_order()
    {
        var d = Small();
        var pixels = new float[6];
        var labels = new byte[3];
        d.Gather([2, 0, 2], pixels);
        d.GatherLabels([2, 0, 2], labels);
        Assert.Equal([0.4f, 0.5f, 0f, 0.1f, 0.4f, 0.5f], pixels);
        Assert.Equal([2, 0, 2], labels);
    }
}
