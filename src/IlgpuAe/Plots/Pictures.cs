using System.Numerics;
using IlgpuAe.Data;
using IlgpuAe.Models;

namespace IlgpuAe.Plots;

/// <summary>The pictures a run leaves behind, drawn from a model and a dataset.</summary>
public static class Pictures
{
    /// <summary>Model values as pixels (the pictures are float whatever the model computes in).</summary>
    internal static float[] ToFloat<T>(T[] values) where T : unmanaged, IFloatingPointIeee754<T> =>
        values is float[] f ? f : values.Select(float.CreateTruncating).ToArray();

    /// <summary>A grid of the first test images (top row) above their reconstructions (bottom row), in two bands.</summary>
    public static void Reconstructions<T>(Model<T> model, Dataset test, string path, int count = 16)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        count = Math.Min(count, test.Count);
        var indices = Enumerable.Range(0, count).ToArray();
        var images = new float[count * test.Features];
        var labels = new byte[count];
        test.Gather(indices, images);
        test.GatherLabels(indices, labels);
        var recon = ToFloat(model.Infer(new Batch(images, labels, count), "reconstruction"));
        float[] Row(float[] source, int i) => source.AsSpan(i * test.Features, test.Features).ToArray();
        int perRow = Math.Min(count, 8);
        var rows = new List<IReadOnlyList<float[]>>();
        for (int start = 0; start < count; start += perRow)
        {
            int n = Math.Min(perRow, count - start);
            rows.Add(Enumerable.Range(start, n).Select(i => Row(images, i)).ToList());
            rows.Add(Enumerable.Range(start, n).Select(i => Row(recon, i)).ToList());
        }
        ImageGrid.Save(path, rows, test.Width, test.Height, channels: test.Channels);
    }
}
