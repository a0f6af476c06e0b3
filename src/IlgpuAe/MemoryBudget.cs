using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using ILGPU.Runtime.Cuda;
using IlgpuAe.Models;
using IlgpuAe.Optim;

namespace IlgpuAe;

/// <summary>
/// Sizes checked before memory is spent: what a model needs (parameters, gradients, optimizer state, a lower bound of
/// its activations) against what the device has free (CUDA: the driver's free memory; the CPU accelerator: the RAM
/// the machine or its container still has available), so that a model that cannot fit is one clear error naming both
/// sizes instead of an out-of-memory crash or the system's OOM killer.
/// </summary>
public static class MemoryBudget
{
    /// <summary>Bytes the device can still allocate, as well as the platform tells.</summary>
    public static long FreeBytes(Device device) => device.Accelerator switch
    {
        CudaAccelerator cuda => cuda.GetFreeMemory(),
        ILGPU.Runtime.CPU.CPUAccelerator => AvailableRam(),
        var other => Math.Max(0, other.MemorySize - device.LiveBytes),
    };

    /// <summary>Throws <see cref="IlgpuAeException"/> when <paramref name="bytes"/> for <paramref name="what"/> exceed <see cref="FreeBytes"/>.</summary>
    public static void Require(Device device, long bytes, string what)
    {
        long free = FreeBytes(device);
        if (bytes > free)
            throw new IlgpuAeException($"{what} need {Format(bytes)}, more than the {Format(free)} free on {device.Name}; nothing was allocated.");
    }

    /// <summary>
    /// What training <paramref name="model"/> at <paramref name="batch"/> rows still has to allocate: parameters and
    /// gradients unless they exist, the <paramref name="optimizerBuffers"/> state buffers not yet allocated, and a lower
    /// bound of the activations (the input, and one row of each weight's narrower side, each with its gradient).
    /// </summary>
    public static long TrainingBytes<T>(Model<T> model, int batch, int optimizerBuffers) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var store = model.Parameters;
        long size = Unsafe.SizeOf<T>();
        long parameters = (store.IsMaterialized ? 0 : 2) * store.Count * size;
        long optimizer = optimizerBuffers * store.Count * size;
        long widths = model.Features + store.Parameters.Where(p => p.Rows > 1 && p.Cols > 1).Sum(p => (long)Math.Min(p.Rows, p.Cols));
        return parameters + optimizer + 2 * batch * widths * size;
    }

    /// <summary>Refuses a training run of <paramref name="model"/> that cannot fit (<see cref="TrainingBytes{T}"/>).</summary>
    public static void RequireTraining<T>(Model<T> model, Optimizer optimizer, int batch) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int pending = optimizer.State().Count(kv => kv.Value.Length == 0);
        Require(model.Device, TrainingBytes(model, batch, pending),
            $"training the {model.Kind} model ({model.Parameters.Count:N0} parameters, {optimizer.Name}, batch {batch}): its parameters, gradients, optimizer state and activations");
    }

    /// <summary>Bytes as "12.3 GiB" (or MiB), for messages.</summary>
    public static string Format(long bytes) => bytes >= 1L << 30
        ? (bytes / (double)(1L << 30)).ToString("F1", CultureInfo.InvariantCulture) + " GiB"
        : (bytes / (double)(1L << 20)).ToString("F1", CultureInfo.InvariantCulture) + " MiB";

    static long AvailableRam()
    {
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (!OperatingSystem.IsLinux()) return available;
        if (MemInfo("MemAvailable:") is long meminfo) available = Math.Min(available, meminfo);
        // A container's cgroup (v2) limit binds before the machine's.
        if (ReadNumber("/sys/fs/cgroup/memory.max") is long max && ReadNumber("/sys/fs/cgroup/memory.current") is long current)
            available = Math.Min(available, Math.Max(0, max - current));
        return available;
    }

    static long? MemInfo(string key)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith(key, StringComparison.Ordinal)
                    && long.TryParse(line[key.Length..].Trim().Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out long kb))
                    return kb * 1024;
        }
        catch (IOException) { }
        return null;
    }

    static long? ReadNumber(string path)
    {
        try
        {
            return long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
