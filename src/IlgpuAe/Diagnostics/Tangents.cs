using System.Numerics;
using IlgpuAe.Data;
using IlgpuAe.Models;

namespace IlgpuAe.Diagnostics;

/// <summary>
/// The leading right singular vectors of the encoder Jacobian ∂f/∂x at some test images: the chapter's tangent directions of the
/// data manifold, the input changes a contractive encoder still responds to.
/// </summary>
/// <param name="Images">The test images, each [Width·Height].</param>
/// <param name="SingularValues">Per image, the <see cref="Directions"/> largest singular values, descending.</param>
/// <param name="Vectors">Per image, the matching unit right singular vectors, [Directions, Width·Height] row-major.</param>
/// <param name="Directions">Directions per image: the number asked for, at most the code size and the inputs.</param>
/// <param name="Width">Image width in pixels.</param>
/// <param name="Height">Image height in pixels.</param>
public sealed record TangentResult(float[][] Images, double[][] SingularValues, double[][] Vectors, int Directions, int Width, int Height)
{
    /// <summary>How many test images.</summary>
    public int Points => Images.Length;
}

/// <summary>Tangent directions from the device's Jacobians (<see cref="JacobianSpectrum.Jacobians{T}"/>) and a host SVD.</summary>
public static class Tangents
{
    /// <summary>Directions drawn per image unless asked otherwise: enough to see a few modes, few enough to read the picture.</summary>
    public const int DefaultDirections = 5;

    /// <summary>
    /// The first <paramref name="points"/> images of <paramref name="data"/> and their top min(<paramref name="directions"/>, code, inputs)
    /// right singular vectors. <see cref="IlgpuAeException"/> when points is outside [1, data.Count], directions is below 1, or the
    /// encoder is convolutional.
    /// </summary>
    public static TangentResult Compute<T>(Autoencoder<T> model, Dataset data, int points, int directions = DefaultDirections)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (points <= 0 || points > data.Count)
            throw new IlgpuAeException($"the tangent directions need between 1 and {data.Count} test images, got {points}");
        if (directions < 1) throw new IlgpuAeException($"the tangent directions need at least 1 direction per image, got {directions}");
        int code = model.Options.Code, inputs = model.Features;
        int m = Math.Min(directions, Math.Min(code, inputs));
        var images = new float[points][];
        var values = new double[points][];
        var vectors = new double[points][];
        const int chunk = 64; // bounds the [chunk·code, inputs] Jacobian buffer, as the spectrum does
        for (int start = 0; start < points; start += chunk)
        {
            int n = Math.Min(chunk, points - start);
            var j = JacobianSpectrum.Jacobians(model, data, start, n);
            for (int p = 0; p < n; p++)
            {
                (values[start + p], vectors[start + p]) = JacobianSpectrum.RightSingularVectors(j, p * code * inputs, code, inputs, m);
                images[start + p] = data.Images.AsSpan((start + p) * inputs, inputs).ToArray();
            }
        }
        return new TangentResult(images, values, vectors, m, data.Width, data.Height);
    }
}
