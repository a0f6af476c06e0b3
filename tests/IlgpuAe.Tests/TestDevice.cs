using Xunit;

// ILGPU's CPU accelerator runs one launch at a time and the machine has 2 cores: run test classes one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace IlgpuAe.Tests;

/// <summary>The CPU accelerator every test shares: opening a context per test would cost more than most tests.</summary>
public static class TestDevice
{
    static readonly Lazy<Device> Shared = new(() => Device.Open(Backend.Cpu));
    public static Device Cpu => Shared.Value;
}
