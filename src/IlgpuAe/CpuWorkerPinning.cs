using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.IR.Intrinsics;

namespace IlgpuAe;

/// <summary>
/// Pins each worker thread of ILGPU's CPU accelerator to a core of its own (Linux only).
/// Why: left to the scheduler, the two workers of a <c>CPUDevice(2, 1, 1)</c> often ran one after the other while the other
/// core idled (timestamps inside a kernel body; the launching thread was asleep, not spinning). A 128x400x784 GEMM then took about 1.0 ms instead of 0.55 ms, in whole
/// processes at a time (measured 2026-11-25 on the 2-core AMD EPYC box: unpinned medians 1035 and 565-619 us in five
/// runs, pinned 561-574 us in five). Pinning is an optimisation only: where the OS refuses it, the threads stay free.
/// </summary>
static class CpuWorkerPinning
{
    /// <summary>Set ILGPUAE_PIN_CPU_WORKERS=0 to leave the workers unpinned (a box where other work owns some cores).</summary>
    public static bool Enabled => Environment.GetEnvironmentVariable("ILGPUAE_PIN_CPU_WORKERS") != "0";

    static int _next;
    [ThreadStatic] static bool _pinned;

    /// <summary>One launch of one thread per worker: each pins the OS thread that runs it.</summary>
    public static void Pin(Device device)
    {
        if (!device.IsCpu || !Enabled || !OperatingSystem.IsLinux()) return;
        var kernel = device.Load<int>(PinKernel);
        kernel(device.Workers, 0);
        device.Synchronize();
    }

    static void PinKernel(Index1D t, int unused) => PinCurrentThread();

    /// <summary>
    /// The .NET body runs on the CPU accelerator's worker thread (ILGPU treats the method as an intrinsic): the thread takes
    /// the next core of the process's allowed set, round robin from an offset that depends on the process id, once.
    /// </summary>
    [IntrinsicImplementation]
    public static void PinCurrentThread()
    {
        if (_pinned) return;
        _pinned = true;
        try
        {
            Span<ulong> allowed = stackalloc ulong[16]; // up to 1024 CPUs
            if (SchedGetAffinity(0, allowed.Length * sizeof(ulong), ref allowed[0]) != 0) return;
            var cpus = new List<int>();
            for (int w = 0; w < allowed.Length; w++)
                for (int bit = 0; bit < 64; bit++)
                    if ((allowed[w] & (1UL << bit)) != 0) cpus.Add(w * 64 + bit);
            if (cpus.Count < 2) return;
            // Round robin from an offset per process, so that on a machine with more cores than workers two processes
            // do not both crowd cores 0 and 1 (on 2 cores every process uses both anyway).
            int offset = Environment.ProcessId * 2 % cpus.Count;
            int cpu = cpus[(offset + Interlocked.Increment(ref _next) - 1) % cpus.Count];
            Span<ulong> mask = stackalloc ulong[16];
            mask[cpu / 64] = 1UL << (cpu % 64);
            SchedSetAffinity(0, mask.Length * sizeof(ulong), ref mask[0]);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: stay unpinned.
        }
    }

    [DllImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    static extern int SchedGetAffinity(int pid, nint size, ref ulong mask);

    [DllImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    static extern int SchedSetAffinity(int pid, nint size, ref ulong mask);
}
