using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.IR.Intrinsics;
using Xunit;

namespace IlgpuAe.Tests.Runtime;

/// <summary>
/// The CPU accelerator's worker threads each run on a core of their own (Linux, two or more allowed CPUs), so that the two
/// halves of a kernel run side by side; ILGPUAE_PIN_CPU_WORKERS=0 leaves them to the scheduler.
/// </summary>
public class CpuWorkerPinningTests
{
    static readonly ConcurrentDictionary<int, ulong> Masks = new();

    static void RecordKernel(Index1D t, int unused) => RecordCurrentThread();

    /// <summary>Runs as .NET code on the worker thread: records the thread's affinity mask (first 64 CPUs).</summary>
    [IntrinsicImplementation]
    public static void RecordCurrentThread()
    {
        ulong mask = 0;
        if (SchedGetAffinity(0, sizeof(ulong), ref mask) == 0) Masks[Environment.CurrentManagedThreadId] = mask;
    }

    [DllImport("libc", EntryPoint = "sched_getaffinity")]
    static extern int SchedGetAffinity(int pid, nint size, ref ulong mask);

    static IReadOnlyCollection<ulong> WorkerMasks()
    {
        Masks.Clear();
        using var device = Device.Open(Backend.Cpu);
        var record = device.Load<int>(RecordKernel);
        for (int i = 0; i < 4; i++) record(device.Workers, 0); // every worker takes part at least once
        device.Synchronize();
        return Masks.Values.ToArray();
    }

    static int AllowedCpus()
    {
        ulong mask = 0;
        return SchedGetAffinity(0, sizeof(ulong), ref mask) == 0 ? System.Numerics.BitOperations.PopCount(mask) : 0;
    }

    [SkippableFact]
    public void Each_worker_runs_on_one_core_and_no_two_share_one()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "thread pinning is implemented for Linux only");
        Skip.If(AllowedCpus() < 2, "this process may run on fewer than two CPUs, so there is nothing to spread");
        Skip.If(Environment.GetEnvironmentVariable("ILGPUAE_PIN_CPU_WORKERS") == "0", "pinning is switched off in this environment");
        var masks = WorkerMasks();
        Assert.True(masks.Count >= 2, $"expected at least two workers, saw {masks.Count}");
        Assert.All(masks, m => Assert.Equal(1, System.Numerics.BitOperations.PopCount(m)));
        Assert.Equal(masks.Count, masks.Distinct().Count());
    }

    [SkippableFact]
    public void The_environment_switch_leaves_the_workers_to_the_scheduler()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "thread pinning is implemented for Linux only");
        Skip.If(AllowedCpus() < 2, "this process may run on fewer than two CPUs");
        string? before = Environment.GetEnvironmentVariable("ILGPUAE_PIN_CPU_WORKERS");
        Environment.SetEnvironmentVariable("ILGPUAE_PIN_CPU_WORKERS", "0");
        try
        {
            var masks = WorkerMasks();
            Assert.All(masks, m => Assert.True(System.Numerics.BitOperations.PopCount(m) >= 2, $"mask {m:X} pins the thread"));
        }
        finally { Environment.SetEnvironmentVariable("ILGPUAE_PIN_CPU_WORKERS", before); }
    }
}
