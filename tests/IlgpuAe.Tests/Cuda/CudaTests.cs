using IlgpuAe.Training;
using Xunit;
using IlgpuAe.Diagnostics;

namespace IlgpuAe.Tests.Cuda;

/// <summary>
/// The device checks of <c>ilgpu-ae check</c> (<see cref="BackendCheck"/>: GEMM in every transpose and with its epilogue,
/// every activation, the normal fill and Adam against the double references, and a short training of an autoencoder and a
/// VAE) on a real CUDA device. Without one this test is reported as skipped, with the reason; the offline PTX compilation
/// tests still cover every kernel, and the same checks run on the CPU accelerator in <see cref="IlgpuAe.Tests.Runtime.BackendCheckTests"/>.
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
    public void Every_backend_check_passes_on_cuda()
    {
        using var device = OpenCudaOrSkip();
        IlgpuAe.Tests.Runtime.BackendCheckTests.AssertAllPass(BackendCheck.Run(device));
    }
}
