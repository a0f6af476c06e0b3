using System.Text.Json;
using IlgpuAe.Tests.Data;
using SkiaSharp;
using Xunit;
using static IlgpuAe.Tests.Support.CliHarness;

namespace IlgpuAe.Tests.Conv;

/// <summary>`train --data DIR` on a folder of PNG files, as a user with their own images meets it.</summary>
public sealed class ImageFolderCliTests : IDisposable
{
    readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    string Data => Path.Combine(_dir.Path, "images");
    string Out => Path.Combine(_dir.Path, "run");

    [Fact]
    public void A_conv_ae_trains_on_a_folder_of_RGB_PNGs_with_a_falling_loss_and_colour_pictures()
    {
        ImageFiles.ClassFolder(Data, perClass: 8);
        var train = Run("train", "--model", "ae", "--arch", "conv", "--channels", "4,8", "--dense", "16", "--code", "4",
            "--data", Data, "--epochs", "6", "--batch", "4", "--lr", "1e-2", "--out", Out, "--quiet");
        Assert.True(train.Code == 0, train.Err);
        Assert.Contains("image folder, 3x8x8, 2 classes: class0, class1", train.Out);
        var losses = File.ReadAllLines(Path.Combine(Out, "metrics.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("train_loss").GetDouble()).ToList();
        Assert.Equal(6, losses.Count);
        // Measured: 132.3 -> 109.5 over the 6 epochs (seed 1, CPU accelerator).
        Assert.True(losses[^1] < 0.9 * losses[0], string.Join(", ", losses));

        // The first test image is a red class-0 picture: its tile in reconstructions.png is red, not gray.
        using var picture = SKBitmap.Decode(Path.Combine(Out, "reconstructions.png"));
        var pixel = Enumerable.Range(1, 16).Select(x => picture.GetPixel(x, 1)).MaxBy(c => c.Red);
        Assert.True(pixel.Red > 150 && pixel.Green < 100, pixel.ToString());

        var eval = Run("eval", "--model-file", Path.Combine(Out, "model.safetensors"), "--data", Data, "--json");
        Assert.True(eval.Code == 0, eval.Err);
        Assert.True(double.IsFinite(JsonDocument.Parse(eval.Out).RootElement.GetProperty("test_loss").GetDouble()));

        // The same folder read as grayscale, or at another size, is not what the model was trained on.
        OneClearError(Run("eval", "--model-file", Path.Combine(Out, "model.safetensors"), "--data", Data, "--channels-in", "1"), 1,
            "was trained on images of 3x8x8 (channels x height x width), but");
        OneClearError(Run("eval", "--model-file", Path.Combine(Out, "model.safetensors"), "--data", Data, "--image-size", "16x16"), 1,
            "holds 3x16x16");
    }

    [Fact]
    public void An_MLP_reads_an_image_folder_as_rows_of_C_H_W_values()
    {
        ImageFiles.ClassFolder(Data, perClass: 2, side: 4, testPerClass: 1);
        var train = Run("train", "--model", "ae", "--hidden", "8", "--code", "2", "--data", Data, "--image-size", "6x6",
            "--channels-in", "1", "--epochs", "1", "--batch", "2", "--out", Out, "--quiet");
        Assert.True(train.Code == 0, train.Err);
        Assert.Contains("1x6x6", train.Out);
    }

    [Theory]
    [InlineData(2, "--image-size '8by8' is not HxW", "--image-size", "8by8")]
    [InlineData(2, "--image-size '0x8' is not HxW", "--image-size", "0x8")]
    [InlineData(2, "--channels-in must be one of 1, 3", "--channels-in", "2")]
    [InlineData(2, "--channels-in applies only to an image folder", "--channels-in", "3")]
    public void Bad_image_options_are_one_clear_error(int code, string says, params string[] options)
    {
        string[] data = options.Contains("--channels-in") && options[^1] == "3" ? [] : ["--data", Data];
        ImageFiles.ClassFolder(Data, perClass: 1, side: 4, testPerClass: 1);
        OneClearError(Run(["train", "--epochs", "0", "--quiet", "--out", Out, .. data, .. options]), code, says);
    }

    [Fact]
    public void A_damaged_file_in_the_folder_stops_the_run_before_any_output()
    {
        ImageFiles.ClassFolder(Data, perClass: 2, side: 4, testPerClass: 1);
        File.WriteAllText(Path.Combine(Data, "train", "class1", "01.png"), "not a picture");
        OneClearError(Run("train", "--data", Data, "--epochs", "1", "--batch", "2", "--quiet", "--out", Out), 1, "01.png' is not a readable PNG or JPEG");
        Assert.False(Directory.Exists(Out));
    }
}
