using System.Numerics;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;
using IlgpuAe.Ops;

namespace IlgpuAe.Models;

/// <summary>
/// The quadrant-completion task of Sohn et al. (2015) as Pyro's CVAE tutorial sets it: 1, 2 or 3 quadrants of an image are
/// given, the others are to be predicted. As there (halves at ⌊h/2⌋ and ⌊w/2⌋): 1 gives the bottom-left quadrant, 2 the left half,
/// 3 everything but the bottom-right quadrant. The condition is the image with its hidden pixels set to −1 (so that a hidden
/// pixel differs from a black one), and the likelihood scores only the hidden pixels.
/// </summary>
public static class QuadrantTask
{
    /// <summary>The value of a hidden pixel in the condition.</summary>
    public const float Hidden = -1;

    /// <summary>1 where a pixel of a <paramref name="width"/>×<paramref name="height"/> image is given, 0 where it is hidden, [height·width].</summary>
    public static float[] GivenMask(int width, int height, int given)
    {
        if (given is < 1 or > 3) throw new IlgpuAeException($"the quadrant task gives 1, 2 or 3 quadrants, got {given}");
        var mask = new float[width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                bool bottom = y >= height / 2, left = x < width / 2;
                bool g = given switch
                {
                    1 => bottom && left,
                    2 => left,
                    _ => !(bottom && !left),
                };
                mask[y * width + x] = g ? 1 : 0;
            }
        return mask;
    }

    /// <summary>The conditions of <paramref name="rows"/> images: each pixel where <paramref name="given"/> is 1, <see cref="Hidden"/> elsewhere.</summary>
    public static void Conditions(ReadOnlySpan<float> images, int rows, float[] given, Span<float> c)
    {
        int f = given.Length;
        for (int r = 0; r < rows; r++)
            for (int p = 0; p < f; p++)
                c[r * f + p] = given[p] != 0 ? images[r * f + p] : Hidden;
    }

    /// <summary>
    /// −log p(x_hidden | logits) per image, batch mean: the Bernoulli BCE over the hidden pixels only. Written with the existing ops:
    /// BCE(m⊙logits, m⊙x) with m the hidden mask counts log 2 for each given pixel (logit 0, target 0) and passes no gradient
    /// through it, so the constant is subtracted.
    /// </summary>
    public static Node<T> HiddenNll<T>(GraphBuilder<T> g, Node<T> logits, Node<T> x, float[] given) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var hidden = g.BroadcastRow(g.Constant(1, given.Length, given.Select(v => 1.0 - v).ToArray()), x.Rows);
        var bce = g.ReconstructionLoss(g.Mul(logits, hidden), g.Mul(x, hidden), Reconstruction.Bce);
        double givenCount = given.Sum(v => (double)v);
        return g.Add(bce, g.Constant(1, 1, -givenCount * Math.Log(2)));
    }
}
