using IlgpuAe.Tests.Support;
using Xunit;
using static IlgpuAe.Tests.Support.CliHarness;

namespace IlgpuAe.Tests.Cli;

/// <summary>
/// `--cuda-graph` is off unless given, and needs CUDA: on a named other backend one usage error (exit 2) before any work;
/// on a machine where auto finds no CUDA device bench stops with one error (exit 1) and train warns once and trains
/// uncaptured; bench on the CPU says cuBLAS is not there.
/// </summary>
public class CudaGraphCliTests
{
    static void OneError((int Code, string Out, string Err) r, int code, string mentions)
    {
        CliHarness.OneClearError(r, code, mentions);
        Assert.StartsWith("error: --cuda-graph needs the CUDA backend", r.Err.Trim());
    }

    [Theory]
    [InlineData("train", "cpu")]
    [InlineData("train", "opencl")]
    [InlineData("bench", "cpu")]
    public void Cuda_graph_with_a_named_backend_that_is_not_cuda_is_a_usage_error(string command, string backend)
    {
        string dir = Path.Combine(Path.GetTempPath(), "ilgpu-ae-cudagraph-" + Guid.NewGuid().ToString("N"));
        string[] where = command == "train" ? ["--out", dir] : [];
        OneError(Run([command, "--backend", backend, "--cuda-graph", .. where]), 2, $"--backend {backend} has no CUDA graphs");
        Assert.False(Directory.Exists(dir), "nothing is written before the refusal");
    }

    [SkippableFact]
    public void Cuda_graph_where_auto_finds_no_cuda_device_is_an_error_naming_the_device()
    {
        Skip.If(Device.List(Backend.Cuda).Any(r => r.Backend == Backend.Cuda && r.Usable), "this machine has a CUDA device");
        OneError(Run("bench", "--cuda-graph", "--gemm", "4x4x4"), 1, "this machine's device is");
    }

    [SkippableFact]
    public void Train_with_cuda_graph_where_auto_finds_no_cuda_device_warns_once_and_trains_uncaptured()
    {
        Skip.If(Device.List(Backend.Cuda).Any(r => r.Backend == Backend.Cuda && r.Usable), "this machine has a CUDA device");
        string dir = Path.Combine(Path.GetTempPath(), "ilgpu-ae-cudagraph-" + Guid.NewGuid().ToString("N"));
        try
        {
            var r = Run("train", "--model", "ae", "--hidden", "8", "--code", "2", "--epochs", "1", "--batch", "32", "--limit", "128",
                "--quiet", "--out", dir, "--cuda-graph");
            Assert.True(r.Code == 0, r.Err);
            string warning = Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("warning: --cuda-graph: the training step runs uncaptured: CUDA graphs need the CUDA backend", warning);
            Assert.Contains("epoch 1", r.Out);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Bench_without_cuda_names_the_missing_cublas_baseline_and_adds_no_graph_rows()
    {
        var r = Run("bench", "--backend", "cpu", "--gemm", "4x4x4", "--elements", "64", "--batches", "2", "--repeat", "1",
            "--steps", "1", "--models", "ae");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("baseline: cuBLAS needs the CUDA backend (this device is cpu)", r.Out);
        Assert.DoesNotContain("cublas sgemm", r.Out);
        Assert.DoesNotContain("cuda graph", r.Out);
    }
}
