using System.Text.Json;
using IlgpuAe.Cli;
using Xunit;
using static IlgpuAe.Tests.Support.CliHarness;

namespace IlgpuAe.Tests.Cli;

/// <summary>The command line as a user meets it: exit codes, one-line errors, the files a run leaves.</summary>
public class CliTests
{
    [Fact]
    public void Unknown_option_is_named_with_the_known_ones() =>
        OneClearError(Run("train", "--epocs", "3"), 2, "unknown option --epocs");

    [Fact]
    public void Unknown_backend_is_named_with_the_choices() =>
        OneClearError(Run("train", "--backend", "tpu"), 1, "unknown backend 'tpu'");

    [Fact]
    public void Unknown_command_is_refused() => OneClearError(Run("fly"), 2, "unknown command 'fly'");

    [Fact]
    public void Bad_number_names_the_option() => OneClearError(Run("train", "--lr", "fast"), 2, "--lr must be a finite number");

    [Fact]
    public void Negative_epochs_are_refused() => OneClearError(Run("train", "--epochs", "-1"), 2, "--epochs must be between 0");

    [Fact]
    public void A_missing_data_directory_is_named() =>
        OneClearError(Run("train", "--data", "/nonexistent/fashion", "--quiet"), 1, "/nonexistent/fashion");

    [SkippableFact]
    public void Cuda_without_a_gpu_says_so_plainly()
    {
        Skip.If(Device.List(Backend.Cuda).Any(d => d.Backend == Backend.Cuda && d.Usable), "a CUDA device is present: nothing to refuse");
        var r = Run("train", "--backend", "cuda", "--epochs", "0", "--quiet", "--out", TempDir());
        OneClearError(r, 1, "backend cuda is not usable");
    }

    [SkippableFact]
    public void Opencl_is_selectable_and_an_unusable_device_is_refused_with_its_reason()
    {
        var opencl = Device.List(Backend.OpenCL).Where(r => r.Backend == Backend.OpenCL).ToList();
        Skip.If(opencl.Any(d => d.Usable), "a usable OpenCL device is present: nothing to refuse");
        var r = Run("train", "--backend", "opencl", "--epochs", "0", "--quiet", "--out", TempDir());
        if (opencl.Count == 0)
            OneClearError(r, 1, "no OpenCL device was found");
        else
        {
            // PoCL on a CPU, for example, lacks the generic address space ILGPU needs.
            Assert.All(opencl, d => Assert.False(string.IsNullOrWhiteSpace(d.WhyNot)));
            OneClearError(r, 1, opencl[0].WhyNot!);
        }
    }

    [Fact]
    public void Check_on_the_cpu_prints_one_passing_line_per_check()
    {
        var r = Run("check", "--backend", "cpu");
        Assert.Equal(0, r.Code);
        Assert.Contains("all 16 checks passed", r.Out);
        Assert.Equal(16, r.Out.Split('\n').Count(l => l.Contains(" pass ", StringComparison.Ordinal)));
        Assert.DoesNotContain("FAIL", r.Out);
    }

    [SkippableFact]
    public void Check_on_cuda_without_a_gpu_says_so_plainly()
    {
        Skip.If(Device.List(Backend.Cuda).Any(d => d.Backend == Backend.Cuda && d.Usable), "this machine has a usable CUDA device");
        OneClearError(Run("check", "--backend", "cuda"), 1, "backend cuda is not usable");
    }

    [Fact]
    public void Eval_of_a_missing_checkpoint_is_one_clear_error() =>
        OneClearError(Run("eval", "--model-file", "/nonexistent/model.safetensors"), 1, "does not exist");

    [Fact]
    public void Devices_lists_the_cpu_accelerator_as_selected_when_nothing_else_is_usable()
    {
        var r = Run("devices", "--backend", "cpu");
        Assert.Equal(0, r.Code);
        Assert.Contains("usable, selected", r.Out);
        Assert.Contains("cpu", r.Out);
    }

    [Fact]
    public void A_guard_interval_below_one_is_a_bad_command_line() =>
        OneClearError(Run("train", "--guard-every", "0"), 2, "--guard-every");

    [Fact]
    public void The_guard_interval_changes_no_number_of_a_run()
    {
        string a = TempDir(), b = TempDir();
        try
        {
            string[] common = ["train", "--model", "vae", "--epochs", "1", "--batch", "32", "--limit", "256", "--hidden", "16", "--latent", "3",
                "--backend", "cpu", "--quiet"];
            var first = Run([.. common, "--out", a]);
            var second = Run([.. common, "--guard-every", "5", "--out", b]);
            Assert.True(first.Code == 0 && second.Code == 0, first.Err + second.Err);
            Assert.Equal(Metrics(a), Metrics(b));
        }
        finally
        {
            Directory.Delete(a, true);
            Directory.Delete(b, true);
        }
    }

    [Fact]
    public void Train_writes_metrics_checkpoint_and_pictures_and_eval_reports_the_same_test_loss()
    {
        string dir = TempDir();
        try
        {
            var r = Run("train", "--model", "ae", "--epochs", "2", "--batch", "64", "--limit", "1024", "--hidden", "64",
                "--code", "8", "--backend", "cpu", "--quiet", "--out", dir);
            Assert.True(r.Code == 0, r.Err);
            var lines = File.ReadAllLines(Path.Combine(dir, "metrics.jsonl"));
            Assert.Equal(2, lines.Length);
            var last = JsonDocument.Parse(lines[^1]).RootElement;
            foreach (var key in new[] { "epoch", "train_loss", "test_loss", "terms", "seconds", "samples_per_second" })
                Assert.True(last.TryGetProperty(key, out _), $"metrics line lacks {key}");
            Assert.True(last.GetProperty("terms").TryGetProperty("reconstruction", out _));
            foreach (var file in new[] { "model.safetensors", "reconstructions.png", "loss.png" })
                Assert.True(File.Exists(Path.Combine(dir, file)), $"{file} missing");

            var e = Run("eval", "--model-file", Path.Combine(dir, "model.safetensors"), "--backend", "cpu", "--json");
            Assert.True(e.Code == 0, e.Err);
            var eval = JsonDocument.Parse(e.Out).RootElement;
            Assert.Equal(last.GetProperty("test_loss").GetDouble(), eval.GetProperty("test_loss").GetDouble(), 9);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_truncated_idx_file_in_the_data_directory_is_one_clear_error()
    {
        string dir = TempDir();
        Directory.CreateDirectory(dir);
        try
        {
            foreach (var name in new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" })
            {
                bool images = name.Contains("images");
                var header = images ? new byte[] { 0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28 } : new byte[] { 0, 0, 8, 1, 0, 0, 0, 10 };
                var body = new byte[images ? 10 * 784 : 10];
                // The training images stop half-way: the header promises more than the file holds.
                File.WriteAllBytes(Path.Combine(dir, name), [.. header, .. body.AsSpan(0, name == "train-images-idx3-ubyte" ? body.Length / 2 : body.Length)]);
            }
            OneClearError(Run("train", "--data", dir, "--quiet", "--out", Path.Combine(dir, "out")), 1, "train-images-idx3-ubyte");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_checkpoint_whose_input_size_differs_from_the_data_is_named()
    {
        string dir = TempDir();
        Directory.CreateDirectory(dir);
        try
        {
            using (var device = Device.Open(Backend.Cpu))
            using (var model = new IlgpuAe.Models.Autoencoder<float>(device, new IlgpuAe.Models.AutoencoderOptions { Features = 100, Hidden = [8], Code = 2 }))
                IlgpuAe.Checkpoints.ModelFile.Save(model, Path.Combine(dir, "m.safetensors"));
            OneClearError(Run("eval", "--model-file", Path.Combine(dir, "m.safetensors"), "--backend", "cpu"), 1, "the model expects 100");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_damaged_checkpoint_is_one_clear_error()
    {
        string dir = TempDir();
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "m.safetensors");
            File.WriteAllBytes(path, [255, 255, 255, 255, 0, 0, 0, 0, 1, 2, 3]);
            OneClearError(Run("eval", "--model-file", path, "--backend", "cpu"), 1, path);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    static string TempDir() => Path.Combine(Path.GetTempPath(), $"ilgpu-ae-cli-{Guid.NewGuid():N}");
}

/// <summary>`ilgpu-ae bench` at tiny sizes: it runs and prints every headline row.</summary>
public class BenchCliTests
{
    [Fact]
    public void Bench_prints_gemm_copy_elementwise_adam_and_train_step_rows()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = App.Run(["bench", "--backend", "cpu", "--gemm", "8x12x16", "--elements", "1000", "--batches", "4",
            "--repeat", "1", "--steps", "2", "--profile", "--context-copy-kib", "4,64"], stdout, stderr);
        string o = stdout.ToString();
        Assert.True(code == 0, stderr.ToString());
        foreach (var row in new[] { "gemm NT", "gemm NN", "gemm TN", "8x12x16", "device memory copy", "relu forward", "relu backward",
                     "adam step, ae params", "ae 784-400-32", "GFLOP/s", "GB/s", "load average", "optimizer" })
            Assert.Contains(row, o);
        // The train step row: model, batch 4, then a positive time.
        var step = o.Split('\n').First(l => l.TrimStart().StartsWith("ae 784-400-32", StringComparison.Ordinal));
        var fields = step.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("4", fields[2]);
        Assert.True(double.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture) > 0, step);
    }

    [Fact]
    public void Bench_refuses_a_malformed_gemm_shape()
    {
        var stderr = new StringWriter();
        Assert.Equal(2, App.Run(["bench", "--gemm", "8x12"], new StringWriter(), stderr));
        Assert.Contains("--gemm must be", stderr.ToString());
    }
}
