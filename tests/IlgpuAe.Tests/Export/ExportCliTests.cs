using IlgpuAe.Checkpoints;
using IlgpuAe.Cli;
using IlgpuAe.Models;
using IlgpuAe.Onnx;
using IlgpuAe.Tests.Data;
using Xunit;
using static IlgpuAe.Tests.Support.CliHarness;

namespace IlgpuAe.Tests.Export;

/// <summary>`ilgpu-ae export` on a model file: the two ONNX files it writes run, and bad command lines get one line.</summary>
public class ExportCliTests
{
    [Fact]
    public void Export_writes_an_encoder_and_a_decoder_that_onnx_runtime_runs_like_the_saved_model()
    {
        using var dir = new TempDirectory();
        using var vae = new Vae<float>(TestDevice.Cpu, new VaeOptions { Features = 12, Hidden = [8], Latent = 3 }, seed: 5);
        string file = dir.File("vae.safetensors");
        ModelFile.Save(vae, file);
        var r = Run("export", "--model-file", file, "--out", dir.File("onnx"));
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("vae: ", r.Out);
        Assert.Contains("x -> mean, logvar", r.Out);

        var rng = new Random(3);
        var images = Enumerable.Range(0, 4 * 12).Select(_ => (float)rng.NextDouble()).ToArray();
        var encoded = OnnxRunner.Run(dir.File(Path.Combine("onnx", OnnxExport.EncoderFile)), 4, ("x", images));
        var mean = vae.Infer(new Batch(images, new byte[4], 4), "mean");
        Assert.True(OnnxRunner.MaxNormRelative(encoded["mean"], mean) <= 1e-5);
        var decoded = OnnxRunner.Run(dir.File(Path.Combine("onnx", OnnxExport.DecoderFile)), 4, ("z", mean));
        Assert.True(OnnxRunner.MaxNormRelative(decoded["reconstruction"], vae.Decode(mean, 4)) <= 1e-5);
    }

    static void OneLine((int Code, string Out, string Err) r, int code, string mentions)
    {
        Assert.Equal(code, r.Code);
        var line = Assert.Single(r.Err.Trim().Split('\n'));
        Assert.StartsWith("error: ", line);
        Assert.Contains(mentions, line);
    }

    [Fact]
    public void Missing_options_and_bad_files_are_one_clear_error()
    {
        using var dir = new TempDirectory();
        OneLine(Run("export", "--out", dir.Path), 2, "--model-file is required");
        OneLine(Run("export", "--model-file", dir.File("x.safetensors")), 2, "--out is required");
        OneLine(Run("export", "--model-file", dir.File("none.safetensors"), "--out", dir.Path), 1, "does not exist");
        File.WriteAllBytes(dir.File("short.safetensors"), [1, 2, 3]);
        OneLine(Run("export", "--model-file", dir.File("short.safetensors"), "--out", dir.Path), 1, "short.safetensors");
        OneLine(Run("export", "--model", "vae"), 2, "unknown option --model");
    }
}
