using System.Numerics;
using IlgpuAe.Data;
using IlgpuAe.Graph;
using IlgpuAe.Models;

namespace IlgpuAe.Diagnostics;

/// <summary>What the encoder's Jacobian looks like at some test points.</summary>
/// <param name="MeanSpectrum">The singular values of ∂f/∂x at each point, sorted descending, averaged point by point.</param>
/// <param name="MeanFrobeniusSquared">Mean of ‖∂f/∂x‖²_F (the sum of squared singular values) over the points.</param>
/// <param name="Points">How many test points were averaged.</param>
public sealed record SpectrumResult(double[] MeanSpectrum, double MeanFrobeniusSquared, int Points)
{
    /// <summary>σ_{k+1} / σ_1 of the mean spectrum (k counted from 0): how fast it falls, whatever its scale.</summary>
    public double Relative(int k) => MeanSpectrum[0] > 0 ? MeanSpectrum[k] / MeanSpectrum[0] : 0;
}

/// <summary>
/// Singular values of an autoencoder's encoder Jacobian ∂f/∂x at test points. The Jacobians come
/// from the device (the same chain graph as the exact contractive penalty, on the clean input); the
/// singular values are the square roots of the eigenvalues of J·Jᵀ (code × code), found on the host
/// by cyclic Jacobi rotations.
/// </summary>
public static class JacobianSpectrum
{
    const int Chunk = 64; // points per device pass: bounds the [points·code, inputs] Jacobian buffer

    /// <summary>The mean Jacobian spectrum over the first <paramref name="points"/> images of <paramref name="data"/>; <see cref="IlgpuAeException"/> when points is out of [1, data.Count] or the feature counts differ.</summary>
    public static SpectrumResult Compute<T>(Autoencoder<T> model, Dataset data, int points)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (points <= 0 || points > data.Count)
            throw new IlgpuAeException($"the Jacobian spectrum needs between 1 and {data.Count} points, got {points}");
        if (data.Features != model.Features)
            throw new IlgpuAeException($"the data has {data.Features} features per image, the model expects {model.Features}");
        int code = model.Options.Code, inputs = model.Features, rank = Math.Min(code, inputs);
        var sum = new double[rank];
        double frobenius = 0;
        for (int start = 0; start < points; start += Chunk)
        {
            int n = Math.Min(Chunk, points - start);
            var j = Jacobians(model, data, start, n);
            for (int p = 0; p < n; p++)
            {
                var s = SingularValues(j, p * code * inputs, code, inputs);
                for (int k = 0; k < rank; k++) sum[k] += s[k];
                frobenius += s.Sum(v => v * v);
            }
        }
        return new SpectrumResult(sum.Select(v => v / points).ToArray(), frobenius / points, points);
    }

    /// <summary>
    /// ∂f/∂x at images start … start+n−1 of <paramref name="data"/>, [n, code, inputs] row-major, from the device's chain graph.
    /// <see cref="IlgpuAeException"/> for a convolutional encoder (the chain walks dense layers) or a range outside the data.
    /// </summary>
    public static double[] Jacobians<T>(Autoencoder<T> model, Dataset data, int start, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (model.Convolutions is not null) throw new IlgpuAeException("the encoder Jacobian walks dense layers; it is not available for --arch conv");
        if (start < 0 || n < 1 || start + n > data.Count)
            throw new IlgpuAeException($"the encoder Jacobian needs images within the {data.Count} of the data, got {start}..{start + n - 1}");
        if (data.Features != model.Features)
            throw new IlgpuAeException($"the data has {data.Features} features per image, the model expects {model.Features}");
        var g = new GraphBuilder<T>(model.Parameters, n, training: false);
        var x = g.Input("x", model.Features);
        var layers = new List<JacobianLayer<T>>();
        var y = x;
        foreach (var layer in model.Encoder.Layers)
        {
            y = layer.Apply(g, y);
            layers.Add(new JacobianLayer<T>(y, layer.Weight, layer.Activation, layer.Slope));
        }
        var jacobian = g.EncoderJacobian(layers);
        g.Output("jacobian", jacobian);
        g.Loss("frobenius", g.Sum(g.Mul(jacobian, jacobian), 1.0 / n));
        using var plan = g.Compile();
        plan.SetInput(x, data.Images.AsSpan(start * data.Features, n * data.Features));
        plan.Forward();
        return plan.Read("jacobian").Select(v => double.CreateTruncating(v)).ToArray();
    }

    /// <summary>Singular values, descending, of the rows×cols block of <paramref name="j"/> at <paramref name="offset"/>.</summary>
    public static double[] SingularValues(double[] j, int offset, int rows, int cols)
    {
        var gram = new double[rows, rows];
        for (int a = 0; a < rows; a++)
            for (int b = a; b < rows; b++)
            {
                double acc = 0;
                for (int k = 0; k < cols; k++) acc += j[offset + a * cols + k] * j[offset + b * cols + k];
                gram[a, b] = gram[b, a] = acc;
            }
        return SymmetricEigenvalues(gram).Select(v => Math.Sqrt(Math.Max(v, 0))).OrderDescending().Take(Math.Min(rows, cols)).ToArray();
    }

    /// <summary>
    /// The <paramref name="count"/> largest singular values s_i of the rows×cols block J of <paramref name="j"/> at <paramref name="offset"/>,
    /// descending, and their right singular vectors v_i [count, cols] row-major: the eigenvectors u_i of J·Jᵀ (rows × rows, Jacobi), then
    /// v_i = Jᵀu_i / s_i, so that J v_i = s_i u_i and JᵀJ v_i = s_i² v_i. A zero s_i has no defined direction and gets a zero vector.
    /// </summary>
    public static (double[] Values, double[] Vectors) RightSingularVectors(double[] j, int offset, int rows, int cols, int count)
    {
        if (count < 1 || count > Math.Min(rows, cols))
            throw new IlgpuAeException($"a {rows}x{cols} Jacobian has between 1 and {Math.Min(rows, cols)} singular vectors, {count} were asked for");
        var gram = new double[rows, rows];
        for (int a = 0; a < rows; a++)
            for (int b = a; b < rows; b++)
            {
                double acc = 0;
                for (int k = 0; k < cols; k++) acc += j[offset + a * cols + k] * j[offset + b * cols + k];
                gram[a, b] = gram[b, a] = acc;
            }
        var (eigen, u) = SymmetricEigen(gram);
        var order = Enumerable.Range(0, rows).OrderByDescending(i => eigen[i]).Take(count).ToArray();
        var values = new double[count];
        var vectors = new double[(long)count * cols];
        for (int i = 0; i < count; i++)
        {
            int e = order[i];
            double s = Math.Sqrt(Math.Max(eigen[e], 0));
            values[i] = s;
            if (s == 0) continue;
            for (int k = 0; k < cols; k++)
            {
                double acc = 0;
                for (int a = 0; a < rows; a++) acc += j[offset + a * cols + k] * u[a, e];
                vectors[(long)i * cols + k] = acc / s;
            }
        }
        return (values, vectors);
    }

    /// <summary>Eigenvalues of a symmetric matrix by cyclic Jacobi rotations, until the off-diagonal is negligible.</summary>
    public static double[] SymmetricEigenvalues(double[,] a) => SymmetricEigen(a).Values;

    /// <summary>
    /// Eigenvalues and eigenvectors (the columns of Vectors, orthonormal) of a symmetric matrix by cyclic Jacobi rotations,
    /// until the off-diagonal is negligible; the rotations are accumulated into Vectors = Π G_k, so a = V·diag(values)·Vᵀ.
    /// </summary>
    public static (double[] Values, double[,] Vectors) SymmetricEigen(double[,] a)
    {
        int n = a.GetLength(0);
        a = (double[,])a.Clone();
        var v = new double[n, n];
        for (int i = 0; i < n; i++) v[i, i] = 1;
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0, diag = 0;
            for (int p = 0; p < n; p++)
            {
                diag += a[p, p] * a[p, p];
                for (int q = p + 1; q < n; q++) off += a[p, q] * a[p, q];
            }
            if (off <= 1e-30 * Math.Max(diag, 1e-300)) break;
            for (int p = 0; p < n - 1; p++)
                for (int q = p + 1; q < n; q++)
                {
                    if (a[p, q] == 0) continue;
                    // The rotation that zeroes a[p,q] (Golub & Van Loan, Algorithm 8.4.1).
                    double theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                    double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double akp = a[k, p], akq = a[k, q];
                        a[k, p] = c * akp - s * akq;
                        a[k, q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p, k], aqk = a[q, k];
                        a[p, k] = c * apk - s * aqk;
                        a[q, k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double vkp = v[k, p], vkq = v[k, q];
                        v[k, p] = c * vkp - s * vkq;
                        v[k, q] = s * vkp + c * vkq;
                    }
                }
        }
        return (Enumerable.Range(0, n).Select(i => a[i, i]).ToArray(), v);
    }
}
