using IlgpuAe.Training;
using Xunit;
using static IlgpuAe.Tests.Support.CliHarness;
using IlgpuAe.Diagnostics;

namespace IlgpuAe.Tests.Regularized;

/// <summary>The score field of a DAE trained on a circle points back to the circle; the command draws it.</summary>
public class FieldTests
{
    [Fact]
    public void On_the_circle_the_arrows_point_to_the_nearest_data_point_between_sigma_and_3_sigma_away()
    {
        // 300 epochs of 8 batches (2000 points, batch 256): fewer steps leave the DAE near the identity map,
        // whose arrows point nowhere in particular (mean cosine about 0.4 after 40 epochs of batch 64).
        var settings = new ToyDenoiserSettings { Epochs = 300, Batch = 256, LearningRate = 1e-2, Sigma = 0.05, Seed = 1 };
        var (model, data, reports) = ToyDenoiser.Train(TestDevice.Cpu, settings);
        using var _ = model;
        var arrows = ScoreField.OnGrid(model, 20);
        var (cosine, count) = ScoreField.CosineToData(arrows, data, settings.Sigma, 3 * settings.Sigma);
        Assert.True(count >= 100, $"only {count} grid points lie sigma..3·sigma from the circle");
        Assert.True(cosine > 0.9, $"mean cosine {cosine:F3} over {count} grid points");
        // Below the identity map's loss E‖x~ − x‖² = 2σ²: the DAE removes noise rather than copying.
        Assert.True(reports[^1].TestLoss < 0.8 * 2 * settings.Sigma * settings.Sigma, $"test loss {reports[^1].TestLoss:G4}");
    }

    [Fact]
    public void Toy_data_is_seeded_and_lies_on_its_curve()
    {
        var a = ToyData.Make(ToyShape.Circle, 500, 0.01, 3);
        Assert.Equal(a.Images, ToyData.Make(ToyShape.Circle, 500, 0.01, 3).Images);
        Assert.NotEqual(a.Images, ToyData.Make(ToyShape.Circle, 500, 0.01, 4).Images);
        var radii = Enumerable.Range(0, 500).Select(i => Math.Sqrt(Math.Pow(a.Images[2 * i] - 0.5, 2) + Math.Pow(a.Images[2 * i + 1] - 0.5, 2))).ToArray();
        Assert.Equal(ToyData.Radius, radii.Average(), 0.005);
        Assert.All(radii, r => Assert.InRange(r, ToyData.Radius - 0.06, ToyData.Radius + 0.06));
    }

    [Fact]
    public void The_field_command_draws_field_png_and_reports_the_cosine_for_the_circle()
    {
        string dir = RegularizedCliTests.TempDir();
        try
        {
            var r = Run("field", "--epochs", "2", "--points", "256", "--grid", "8", "--backend", "cpu", "--quiet", "--out", dir);
            Assert.True(r.Code == 0, r.Err);
            Assert.Contains("mean cosine to the nearest data point", r.Out);
            using var png = SkiaSharp.SKBitmap.Decode(Path.Combine(dir, "field.png"));
            Assert.Equal(640, png.Width);
            var spiral = Run("field", "--shape", "spiral", "--epochs", "1", "--points", "128", "--grid", "4", "--backend", "cpu", "--quiet", "--out", dir);
            Assert.True(spiral.Code == 0, spiral.Err);
            Assert.DoesNotContain("cosine", spiral.Out);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("--sigma", "0", "--sigma must be greater than 0")]
    [InlineData("--data-noise", "-0.01", "--data-noise must be at least 0")]
    [InlineData("--shape", "torus", "--shape must be one of circle, spiral")]
    public void Bad_field_options_are_one_clear_error(string option, string value, string mentions) =>
        OneClearError(Run("field", option, value), mentions);
}
