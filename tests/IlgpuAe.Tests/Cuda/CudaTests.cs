using ILGPU.Runtime;
using IlgpuAe.Compute;
using IlgpuAe.Data;
using IlgpuAe.Kernels;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Training;
using Xunit;

namespace IlgpuAe.Tests.Cuda;

/// <summary>
/// The same contracts on a real CUDA device. Without one these tests are reported as skipped,
/// with the reason; the offline PTX compilation tests still cover every kernel.
/// </summary>
public class CudaTests
{
    static Device OpenCudaOrSkip()
    {
        var usable = Device.List(Backend.Cuda).Any(r => r.Backend == Backend.Cuda && r.Usable);
        Skip.IfNot(usable, "no CUDA device found on this machine: CUDA test skipped");
        return Device.Open(Backend.Cuda);
    }

    [SkippableFact]
    public void Gemm_on_cuda_matches_the_double_reference_in_every_transpose()
    {
        using var device = OpenCudaOrSkip();
        var rng = new Random(3);
        const int m = 129, n = 67, k = 250;
        foreach (var (ta, tb) in new[] { (false, false), (false, true), (true, false), (true, true) })
        {
            var a = Enumerable.Range(0, m * k).Select(_ => rng.NextDouble() - 0.5).ToArray();
            var b = Enumerable.Range(0, k * n).Select(_ => rng.NextDouble() - 0.5).ToArray();
            var expected = new double[m * n];
            GemmReference.Run(ta, tb, m, n, k, 1.0, a, b, 0.0, expected);
            using var da = device.Accelerator.Allocate1D(a.Select(v => (float)v).ToArray());
            using var db = device.Accelerator.Allocate1D(b.Select(v => (float)v).ToArray());
            using var dc = device.Accelerator.Allocate1D(Enumerable.Repeat(float.NaN, m * n).ToArray());
            Gemm.Run(device, ta, tb, m, n, k, 1f, da.View, db.View, 0f, dc.View);
            var got = dc.GetAsArray1D();
            for (int i = 0; i < got.Length; i++)
                Assert.True(Math.Abs(got[i] - expected[i]) < 1e-3, $"C[{i}] = {got[i]}, expected {expected[i]} (transA {ta}, transB {tb})");
        }
    }

    [SkippableFact]
    public void Autoencoder_trains_on_cuda()
    {
        using var device = OpenCudaOrSkip();
        var data = FashionMnist.LoadEmbedded();
        var test = data.Test.Slice(0, 512);
        using var model = new Autoencoder<float>(device, new AutoencoderOptions { Hidden = [128], Code = 16 }, seed: 1);
        using var adam = new Adam(2e-3);
        double before = Trainer<float>.Evaluate(model, test, 128).Loss;
        var report = new Trainer<float>(model, adam, 32, 1).Run(data.Train.Slice(0, 2048), test, 1).Single();
        Assert.True(report.TestLoss <= 0.7 * before, $"test loss went from {before:F1} to {report.TestLoss:F1}");
    }
}
