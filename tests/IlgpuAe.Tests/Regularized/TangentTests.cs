using System.Text.Json;
using IlgpuAe.Data;
using IlgpuAe.Diagnostics;
using IlgpuAe.Models;
using Xunit;
using static IlgpuAe.Tests.Support.CliHarness;

namespace IlgpuAe.Tests.Regularized;

/// <summary>`eval --tangents N` of a contractive autoencoder: the top right singular vectors of df/dx as images, with their singular values.</summary>
public sealed class TangentTests
{
    [Fact]
    public void The_directions_are_orthonormal_eigenvectors_of_JtJ_with_the_squared_singular_values()
    {
        const int features = 6, code = 4, points = 3;
        using var model = new ContractiveAutoencoder<double>(TestDevice.Cpu, new ContractiveOptions
        {
            Autoencoder = new AutoencoderOptions { Features = features, Hidden = [5], Code = code, Activation = Activation.Tanh, CodeActivation = Activation.Sigmoid },
            Lambda = 0.3,
        }, seed: 3);
        var rng = new Random(4);
        var images = Enumerable.Range(0, points * features).Select(_ => (float)rng.NextDouble()).ToArray();
        var data = new Dataset("tiny", images, new byte[points], 3, 2);
        var t = Tangents.Compute(model, data, points, directions: 3);
        Assert.Equal((3, 3, 2), (t.Directions, t.Width, t.Height));
        var j = JacobianSpectrum.Jacobians(model, data, 0, points);
        for (int p = 0; p < points; p++)
        {
            int o = p * code * features;
            var s = t.SingularValues[p];
            Assert.Equal(JacobianSpectrum.SingularValues(j, o, code, features).Take(3), s, (a, b) => Math.Abs(a - b) <= 1e-12);
            Assert.True(s[0] >= s[1] && s[1] >= s[2] && s[2] > 0);
            double V(int i, int k) => t.Vectors[p][i * features + k];
            for (int a = 0; a < 3; a++)
            {
                for (int b = 0; b < 3; b++)
                {
                    double dot = Enumerable.Range(0, features).Sum(k => V(a, k) * V(b, k));
                    Assert.Equal(a == b ? 1 : 0, dot, 10);
                }
                // JᵀJ v = s² v, J [code, features] row-major.
                var jv = Enumerable.Range(0, code).Select(r => Enumerable.Range(0, features).Sum(k => j[o + r * features + k] * V(a, k))).ToArray();
                for (int k = 0; k < features; k++)
                {
                    double jtjv = Enumerable.Range(0, code).Sum(r => j[o + r * features + k] * jv[r]);
                    Assert.Equal(s[a] * s[a] * V(a, k), jtjv, 10);
                }
            }
            Assert.Equal(images.AsSpan(p * features, features).ToArray(), t.Images[p]);
        }
    }

    [Fact]
    public void Eval_draws_tangents_png_and_reports_the_singular_values_and_bad_requests_are_one_clear_error()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-tangents-{Guid.NewGuid():N}");
        string ae = dir + "-ae";
        try
        {
            var r = Run("train", "--model", "cae", "--epochs", "1", "--limit", "128", "--hidden", "16", "--code", "6", "--batch", "64", "--quiet", "--out", dir);
            Assert.True(r.Code == 0, r.Err);
            string file = Path.Combine(dir, "model.safetensors");
            var eval = Run("eval", "--model-file", file, "--tangents", "3", "--out", dir, "--json");
            Assert.True(eval.Code == 0, eval.Err);
            using var json = JsonDocument.Parse(eval.Out);
            var values = json.RootElement.GetProperty("tangent_singular_values").EnumerateArray()
                .Select(row => row.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
            Assert.Equal(3, values.Length);
            Assert.All(values, row => Assert.Equal(Tangents.DefaultDirections, row.Length));
            Assert.All(values, row => Assert.Equal(row.OrderDescending(), row));
            using var png = SkiaSharp.SKBitmap.Decode(Path.Combine(dir, "tangents.png"));
            // 3 rows of the image and 5 directions, 28·2-pixel tiles with 1-pixel gaps.
            Assert.Equal((6 * 57 + 1, 3 * 57 + 1), (png.Width, png.Height));

            OneClearError(Run("eval", "--model-file", file, "--tangents", "0"), "--tangents must be between 1 and");
            var t = Run("train", "--model", "ae", "--epochs", "1", "--limit", "64", "--hidden", "8", "--code", "4", "--batch", "64", "--quiet", "--out", ae);
            Assert.True(t.Code == 0, t.Err);
            OneClearError(Run("eval", "--model-file", Path.Combine(ae, "model.safetensors"), "--tangents", "2"), "--tangents does not apply to a ae model");
        }
        finally
        {
            foreach (var d in new[] { dir, ae })
                if (Directory.Exists(d)) Directory.Delete(d, true);
        }
    }
}
