using System.Numerics;
using IlgpuAe.Data;
using IlgpuAe.Models;

namespace IlgpuAe.Plots;

/// <summary>What a denoising model does to an image: corrupted input, reconstruction, clean image.</summary>
public static class DenoisingPictures
{
    /// <summary>Three rows per band of up to 8 test images: x~ (as the encoder saw it), g(f(x~)), x.</summary>
    public static void Save<T>(DenoisingAutoencoder<T> model, Dataset test, string path, int count = 16)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        count = Math.Min(count, test.Count);
        var indices = Enumerable.Range(0, count).ToArray();
        var images = new float[count * test.Features];
        var labels = new byte[count];
        test.Gather(indices, images);
        test.GatherLabels(indices, labels);
        var batch = new Batch(images, labels, count);
        // Both reads use step 0, so they see the same corruption.
        var corrupted = Pictures.ToFloat(model.Infer(batch, "corrupted"));
        var recon = Pictures.ToFloat(model.Infer(batch, "reconstruction"));
        float[] Row(float[] source, int i) => source.AsSpan(i * test.Features, test.Features).ToArray();
        int perRow = Math.Min(count, 8);
        var rows = new List<IReadOnlyList<float[]>>();
        for (int start = 0; start < count; start += perRow)
        {
            int n = Math.Min(perRow, count - start);
            foreach (var source in new[] { corrupted, recon, images })
                rows.Add(Enumerable.Range(start, n).Select(i => Row(source, i)).ToList());
        }
        ImageGrid.Save(path, rows, test.Width, test.Height, channels: test.Channels);
    }
}
