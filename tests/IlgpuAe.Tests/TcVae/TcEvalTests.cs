using System.Text.Json;
using IlgpuAe.Diagnostics;
using IlgpuAe.Kernels;
using IlgpuAe.Models;
using Xunit;
using static IlgpuAe.Tests.Support.CliHarness;

namespace IlgpuAe.Tests.TcVae;

/// <summary>
/// `eval` of a VAE reports the β-TCVAE decomposition beside I(x;z) + KL(q(z)||p(z)). The identity checked: per batch,
/// MI + TC + DW = mean_i [log q(z_i|x_i) − log p(z_i)] exactly (the minibatch-weighted log q(z) and log Π q(z_k) telescope away),
/// so the sum of the three reported means equals the one-sample KL estimate at the same codes up to rounding:
/// 1e-10 in double, 1e-4·max(1, |KL|) through the float kernels.
/// </summary>
public sealed class TcEvalTests
{
    [Fact]
    public void Each_part_is_the_mean_of_the_reference_over_the_batches_and_the_parts_sum_to_the_mean_kl()
    {
        const int n = 12, d = 3, batch = 4;
        using var model = new Vae<double>(TestDevice.Cpu, new VaeOptions { Features = 4, Hidden = [3], Latent = d }, seed: 2);
        var rng = new Random(7);
        double[] Draw(double lo, double hi) => Enumerable.Range(0, n * d).Select(_ => lo + (hi - lo) * rng.NextDouble()).ToArray();
        var (z, mean, logVar) = (Draw(-2, 2), Draw(-1, 1), Draw(-1, 0.5));
        var parts = TcDiagnostics.Parts(model.Parameters, z, mean, logVar, d, batch, n);
        double mi = 0, tc = 0, dw = 0;
        for (int b = 0; b < n / batch; b++)
        {
            double[] Slice(double[] a) => a.AsSpan(b * batch * d, batch * d).ToArray();
            var r = TotalCorrelationReference.Parts(Slice(z), Slice(mean), Slice(logVar), d, n);
            (mi, tc, dw) = (mi + r.Mi / 3, tc + r.Tc / 3, dw + r.DimensionWiseKl / 3);
        }
        Assert.Equal(mi, parts.MutualInformation, 10);
        Assert.Equal(tc, parts.TotalCorrelation, 10);
        Assert.Equal(dw, parts.DimensionWiseKl, 10);
        Assert.Equal(parts.MeanKl, parts.MutualInformation + parts.TotalCorrelation + parts.DimensionWiseKl, 10);
        Assert.Equal((batch, n), (parts.Batch, parts.Images));
    }

    [Fact]
    public void Codes_that_do_not_fill_a_batch_are_left_out_and_too_few_for_one_are_an_error()
    {
        using var model = new Vae<double>(TestDevice.Cpu, new VaeOptions { Features = 4, Hidden = [3], Latent = 2 }, seed: 2);
        var v = Enumerable.Range(0, 10).Select(i => 0.1 * i).ToArray();
        Assert.Equal(4, TcDiagnostics.Parts(model.Parameters, v, v, v, 2, 2, 5).Images);
        var e = Assert.Throws<IlgpuAeException>(() => TcDiagnostics.Parts(model.Parameters, v, v, v, 2, 6, 5));
        Assert.Contains("at least one batch of 6 codes", e.Message);
    }

    [Fact]
    public void A_mixture_prior_has_no_total_correlation_decomposition()
    {
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Features = 4, Hidden = [3], Latent = 2, Prior = Prior.Gmm, Components = 2 });
        var e = Assert.Throws<IlgpuAeException>(() => TcDiagnostics.Estimate(model, IlgpuAe.Data.FashionMnist.LoadEmbedded().Test.Slice(0, 8), 4, 1));
        Assert.Contains("the N(0, I) prior", e.Message);
    }

    [Fact]
    public void Eval_of_a_plain_vae_reports_the_three_parts_and_they_sum_to_the_mean_kl()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-tceval-{Guid.NewGuid():N}");
        try
        {
            var train = Run("train", "--model", "vae", "--hidden", "16", "--latent", "3", "--epochs", "1", "--limit", "256", "--batch", "64", "--out", dir, "--quiet");
            Assert.True(train.Code == 0, train.Err);
            var eval = Run("eval", "--model-file", Path.Combine(dir, "model.safetensors"), "--iw", "4", "--iw-images", "10", "--agg-samples", "50", "--json");
            Assert.True(eval.Code == 0, eval.Err);
            using var json = JsonDocument.Parse(eval.Out);
            var root = json.RootElement;
            double Get(string key) => root.GetProperty(key).GetDouble();
            double kl = Get("tc_mean_kl");
            double sum = Get("tc_mutual_information") + Get("tc_total_correlation") + Get("tc_dimension_wise_kl");
            Assert.True(Math.Abs(sum - kl) <= 1e-4 * Math.Max(1, Math.Abs(kl)), $"MI + TC + DW = {sum:R}, the mean KL estimate {kl:R}");
            Assert.Equal(64, root.GetProperty("tc_batch").GetInt32()); // eval's batch, the training batch by default
            Assert.True(root.TryGetProperty("kl_mutual_information", out _), "beside the aggregated-posterior decomposition");
            Assert.True(Math.Abs(kl - Get("kl_mean_closed_form")) < 0.2 * Get("kl_mean_closed_form") + 0.5,
                $"the one-sample KL {kl:F3} is near the closed form {Get("kl_mean_closed_form"):F3}");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}
