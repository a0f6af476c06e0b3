using System.Text.Json;
using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Tests.Support;
using IlgpuAe.Training;
using Xunit;
using static IlgpuAe.Tests.Support.CliHarness;
using static IlgpuAe.Tests.Support.TestBatches;

namespace IlgpuAe.Tests.Vae;

/// <summary>The quadrant task (`--condition quadrants --given N`, the `quadrants` command): masks, hidden-pixel likelihood, both models.</summary>
public sealed class QuadrantTaskTests
{
    [Theory]
    // A 4x4 image, rows top to bottom: 1 gives the bottom-left quadrant, 2 the left half, 3 all but the bottom-right (Pyro's masks).
    [InlineData(1, "0000" + "0000" + "1100" + "1100")]
    [InlineData(2, "1100" + "1100" + "1100" + "1100")]
    [InlineData(3, "1111" + "1111" + "1100" + "1100")]
    public void Given_quadrants_follow_pyros_masks_and_hidden_pixels_read_minus_one(int given, string expected)
    {
        var mask = QuadrantTask.GivenMask(4, 4, given);
        Assert.Equal(expected, string.Concat(mask.Select(v => v == 1 ? '1' : '0')));
        var batch = RandomBatch(2, 16, 5);
        var c = new float[32];
        QuadrantTask.Conditions(batch.Images, 2, mask, c);
        for (int i = 0; i < 32; i++) Assert.Equal(mask[i % 16] == 1 ? batch.Images[i] : -1f, c[i]);
    }

    [Fact]
    public void The_baselines_loss_is_the_bce_of_the_hidden_pixels_alone()
    {
        using var model = new QuadrantBaseline<double>(TestDevice.Cpu, new QuadrantBaselineOptions
        {
            Features = 12, Width = 4, Height = 3, Given = 2, Hidden = [5], Activation = IlgpuAe.Activation.Tanh,
        }, seed: 3);
        var batch = RandomBatch(4, 12, 9);
        var plan = model.Plan(4, training: false);
        model.Feed(plan, batch);
        plan.Forward();
        var logits = plan.Read("logits");
        var given = QuadrantTask.GivenMask(4, 3, 2);
        double expected = 0;
        for (int r = 0; r < 4; r++)
            for (int p = 0; p < 12; p++)
            {
                if (given[p] != 0) continue;
                double z = logits[r * 12 + p], x = batch.Images[r * 12 + p];
                expected += Math.Max(z, 0) - z * x + Math.Log(1 + Math.Exp(-Math.Abs(z)));
            }
        Assert.Equal(expected / 4, plan.Term("reconstruction"), 10);
    }

    [Fact]
    public void Whole_loss_gradients_of_the_cvae_and_the_baseline_match_finite_differences()
    {
        using var cvae = new Cvae<double>(TestDevice.Cpu, new CvaeOptions
        {
            Features = 12, Width = 4, Height = 3, Hidden = [5], Latent = 2, Condition = Condition.Quadrants, Given = 1,
            Activation = IlgpuAe.Activation.Tanh,
        }, seed: 6);
        GradAssert.WholeModel(cvae, RandomBatch(4, 12, 3), step: 5);
        GradAssert.EveryParameterTakesPart(cvae);
        using var baseline = new QuadrantBaseline<double>(TestDevice.Cpu, new QuadrantBaselineOptions
        {
            Features = 12, Width = 4, Height = 3, Given = 3, Hidden = [5], Activation = IlgpuAe.Activation.Tanh,
        }, seed: 6);
        GradAssert.WholeModel(baseline, RandomBatch(4, 12, 4), step: 5);
        GradAssert.EveryParameterTakesPart(baseline);
    }

    [Fact]
    public void One_epoch_on_a_small_slice_cuts_both_losses_by_at_least_30_percent()
    {
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 1024);
        var test = data.Test.Slice(0, 256);
        using var cvae = new Cvae<float>(TestDevice.Cpu, new CvaeOptions { Hidden = [64], Latent = 4, Condition = Condition.Quadrants, Given = 2 }, seed: 1);
        using var baseline = new QuadrantBaseline<float>(TestDevice.Cpu, new QuadrantBaselineOptions { Hidden = [64], Given = 2 }, seed: 1);
        foreach (Model<float> model in new Model<float>[] { cvae, baseline })
        {
            using var adam = new Adam(2e-3);
            double before = Trainer<float>.Evaluate(model, test, 128).Loss;
            var report = new Trainer<float>(model, adam, 32, seed: 1).Run(train, test, epochs: 1).Single();
            Assert.True(report.TestLoss <= 0.7 * before, $"{model.Kind}: loss went from {before:F1} to {report.TestLoss:F1} per image");
        }
    }

    [Theory]
    [InlineData(null, 2, "CvaeOptions.Given applies only to the quadrant task")]
    [InlineData(Condition.Quadrants, null, "CvaeOptions.Given must be 1, 2 or 3 quadrants for the quadrant task, got none")]
    [InlineData(Condition.Quadrants, 4, "CvaeOptions.Given must be 1, 2 or 3 quadrants for the quadrant task, got 4")]
    public void Bad_options_are_one_error_naming_the_property(Condition? condition, int? given, string message)
    {
        var e = Assert.Throws<IlgpuAeException>(() => new Cvae<float>(TestDevice.Cpu,
            new CvaeOptions { Hidden = [4], Latent = 2, Condition = condition ?? Condition.Label, Given = given }));
        Assert.StartsWith(message, e.Message);
    }

    [Theory]
    [InlineData("--condition quadrants needs --given 1, 2 or 3", "train", "--model", "cvae", "--condition", "quadrants")]
    [InlineData("--given applies only to --condition quadrants", "train", "--model", "cvae", "--condition", "masked", "--given", "2")]
    [InlineData("--given must be between 1 and 3, got 0", "train", "--model", "cvae", "--condition", "quadrants", "--given", "0")]
    [InlineData("--given takes 1, 2 or 3 quadrants, got 1,4", "quadrants", "--given", "1,4")]
    [InlineData("--given names a count twice: 2,2", "quadrants", "--given", "2,2")]
    public void Bad_command_lines_are_one_clear_error(string mentions, params string[] args)
    {
        OneClearError(Run([.. args, "--epochs", "0", .. args[0] == "train" ? new[] { "--quiet", "--out", Path.Combine(Path.GetTempPath(), "ilgpu-ae-bad-quadrants") } : []]), mentions);
    }

    [Fact]
    public void The_quadrants_command_and_eval_report_the_hidden_quadrants_likelihood()
    {
        var table = Run("quadrants", "--limit", "256", "--epochs", "1", "--given", "2,3", "--hidden", "16", "--latent", "2", "--batch", "64",
            "--iw", "4", "--iw-images", "20", "--json");
        Assert.True(table.Code == 0, table.Err);
        using (var json = JsonDocument.Parse(table.Out))
        {
            var columns = json.RootElement.GetProperty("columns").EnumerateArray().ToArray();
            Assert.Equal([2, 3], columns.Select(c => c.GetProperty("given").GetInt32()));
            foreach (var c in columns)
            {
                double nll = c.GetProperty("cvae_nll").GetDouble(), elbo = c.GetProperty("cvae_elbo").GetDouble(), baseline = c.GetProperty("baseline_nll").GetDouble();
                Assert.True(nll <= elbo + 1e-9, $"the importance-sampled {nll} is below the one-sample bound {elbo} (Jensen, image by image)");
                Assert.True(baseline > 0 && double.IsFinite(baseline));
            }
            // Fewer pixels to predict, fewer nats.
            Assert.True(columns[1].GetProperty("baseline_nll").GetDouble() < columns[0].GetProperty("baseline_nll").GetDouble());
        }
        string dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-quadrants-{Guid.NewGuid():N}");
        try
        {
            var train = Run("train", "--model", "cvae", "--condition", "quadrants", "--given", "3", "--hidden", "16", "--latent", "2",
                "--epochs", "1", "--limit", "256", "--batch", "64", "--out", dir, "--quiet");
            Assert.True(train.Code == 0, train.Err);
            Assert.True(File.Exists(Path.Combine(dir, "completions.png")));
            var eval = Run("eval", "--model-file", Path.Combine(dir, "model.safetensors"), "--iw", "4", "--iw-images", "20", "--json");
            Assert.True(eval.Code == 0, eval.Err);
            using var json = JsonDocument.Parse(eval.Out);
            var root = json.RootElement;
            Assert.True(root.GetProperty("hidden_quadrants_nll").GetDouble() <= root.GetProperty("hidden_quadrants_elbo").GetDouble() + 1e-9);
            Assert.False(root.TryGetProperty("iw_nll", out _), "only the hidden quadrants are modelled");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}
