using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;

namespace IlgpuAe;

public sealed partial class Device
{
    /// <summary>
    /// Loads (once per device) an explicitly grouped kernel of 5 arguments: the caller picks grid
    /// and group sizes per launch, and the kernel uses Grid/Group indices, shared memory and barriers.
    /// </summary>
    public Action<KernelConfig, T1, T2, T3, T4, T5> LoadGrouped<T1, T2, T3, T4, T5>(Action<T1, T2, T3, T4, T5> kernel)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct
    {
        var k = (Action<KernelConfig, T1, T2, T3, T4, T5>)Cached(kernel, static (d, kernel) =>
        {
            var raw = d.Accelerator.LoadStreamKernel((Action<T1, T2, T3, T4, T5>)kernel);
            return (Action<KernelConfig, T1, T2, T3, T4, T5>)((c, a1, a2, a3, a4, a5) =>
            {
                long before = d.BeginLaunch();
                raw(c, a1, a2, a3, a4, a5);
                d.EndLaunch(before);
            });
        });
        return OnLaunch is not null || OnLaunchArguments is not null ? Hooked(this, k, kernel.Method) : k;
    }

    static Action<KernelConfig, T1, T2, T3, T4, T5> Hooked<T1, T2, T3, T4, T5>(Device d, Action<KernelConfig, T1, T2, T3, T4, T5> k,
        System.Reflection.MethodInfo m) =>
        (c, a1, a2, a3, a4, a5) =>
        {
            d.OnLaunch?.Invoke(m);
            d.OnLaunchArguments?.Invoke(m, [Argument(c), Argument(a1), Argument(a2), Argument(a3), Argument(a4), Argument(a5)]);
            k(c, a1, a2, a3, a4, a5);
        };
}

public sealed partial class Device
{
    /// <summary>
    /// A CPU accelerator of a chosen shape. ILGPU's CPU accelerator simulates groups and barriers
    /// with one OS thread per group thread, so testing a body written for GPU-sized groups needs
    /// a device that large; the engine itself keeps the cheap 2-thread device of <see cref="Open"/>.
    /// </summary>
    public static Device OpenCpu(int threadsPerWarp, int warpsPerGroup, int multiprocessors)
    {
        var context = Context.Create(b => b
            .CPU(new CPUDevice(threadsPerWarp, warpsPerGroup, multiprocessors))
            .EnableAlgorithms()
            .Math(MathMode.Default)
            .Optimize(OptimizationLevel.O1));
        try
        {
            return new Device(context, context.GetPreferredDevice(preferCPU: true).CreateAccelerator(context), Backend.Cpu);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }
}
