using ILGPU.Runtime;
using IlgpuAe.Compute;

namespace IlgpuAe.Tests.Cuda;

/// <summary>
/// CUDA graph capture without a GPU: the driver calls in their order and every failure path against a fake driver, the
/// refusal on a device that is not CUDA, the error when the driver library is missing, and the default-stream redirect
/// (the part that touches ILGPU) on the CPU accelerator.
/// </summary>
public class CudaGraphTests
{
    /// <summary>Records each call; a call listed in <see cref="Fail"/> returns that CUresult instead of 0.</summary>
    sealed class FakeDriver : ICudaGraphDriver
    {
        public readonly List<string> Calls = [];
        public readonly Dictionary<string, int> Fail = [];
        static readonly IntPtr Graph = 0x6, Exec = 0xE;

        int Result(string call) => Fail.TryGetValue(call, out int r) ? r : 0;

        public int BeginCapture(IntPtr stream, int mode) { Calls.Add($"begin {stream} mode {mode}"); return Result("begin"); }
        public int EndCapture(IntPtr stream, out IntPtr graph)
        {
            Calls.Add($"end {stream}");
            int r = Result("end");
            graph = r == 0 ? Graph : IntPtr.Zero;
            return r;
        }
        public int Instantiate(out IntPtr exec, IntPtr graph)
        {
            Calls.Add($"instantiate {graph}");
            int r = Result("instantiate");
            exec = r == 0 ? Exec : IntPtr.Zero;
            return r;
        }
        public int Launch(IntPtr exec, IntPtr stream) { Calls.Add($"launch {exec} on {stream}"); return Result("launch"); }
        public int DestroyExec(IntPtr exec) { Calls.Add($"destroy exec {exec}"); return 0; }
        public int DestroyGraph(IntPtr graph) { Calls.Add($"destroy graph {graph}"); return 0; }
        public string Describe(int result) => $"fake error {result}";
    }

    [Fact]
    public void Capture_begins_relaxed_runs_the_work_ends_and_instantiates_then_each_launch_is_one_driver_call()
    {
        var driver = new FakeDriver();
        using (var graph = CudaGraph.Capture(driver, 7, () => driver.Calls.Add("work"), launchStream: 0))
        {
            graph.Launch();
            graph.Launch();
            Assert.Equal(2, graph.Launches);
        }
        Assert.Equal(["begin 7 mode 2", "work", "end 7", "instantiate 6", "launch 14 on 0", "launch 14 on 0", "destroy exec 14", "destroy graph 6"],
            driver.Calls);
    }

    [Fact]
    public void Work_that_throws_ends_the_capture_destroys_the_partial_graph_and_rethrows()
    {
        var driver = new FakeDriver();
        var e = Assert.Throws<InvalidOperationException>(() =>
            CudaGraph.Capture(driver, 7, () => throw new InvalidOperationException("boom"), 0));
        Assert.Equal("boom", e.Message);
        Assert.Equal(["begin 7 mode 2", "end 7", "destroy graph 6"], driver.Calls);
    }

    [Fact]
    public void A_capture_the_driver_invalidated_is_one_clear_error_and_nothing_is_instantiated()
    {
        var driver = new FakeDriver { Fail = { ["end"] = 901 } }; // CUDA_ERROR_STREAM_CAPTURE_INVALIDATED
        var e = Assert.Throws<IlgpuAeException>(() => CudaGraph.Capture(driver, 7, () => { }, 0));
        Assert.Contains("fake error 901", e.Message);
        Assert.Contains("must not wait for the device", e.Message);
        Assert.DoesNotContain(driver.Calls, c => c.StartsWith("instantiate", StringComparison.Ordinal));
    }

    [Fact]
    public void A_failed_begin_or_instantiate_is_an_error_naming_the_call_and_leaks_no_graph()
    {
        var begin = new FakeDriver { Fail = { ["begin"] = 900 } };
        bool ran = false;
        var e = Assert.Throws<IlgpuAeException>(() => CudaGraph.Capture(begin, 7, () => ran = true, 0));
        Assert.Contains("cuStreamBeginCapture", e.Message);
        Assert.False(ran);

        var instantiate = new FakeDriver { Fail = { ["instantiate"] = 1 } };
        e = Assert.Throws<IlgpuAeException>(() => CudaGraph.Capture(instantiate, 7, () => { }, 0));
        Assert.Contains("cuGraphInstantiateWithFlags", e.Message);
        Assert.Equal("destroy graph 6", instantiate.Calls[^1]);
    }

    [Fact]
    public void A_disposed_graph_cannot_launch_and_is_destroyed_once()
    {
        var driver = new FakeDriver();
        var graph = CudaGraph.Capture(driver, 7, () => { }, 0);
        graph.Dispose();
        graph.Dispose();
        Assert.Throws<ObjectDisposedException>(graph.Launch);
        Assert.Single(driver.Calls, "destroy exec 14");
        Assert.Single(driver.Calls, "destroy graph 6");
    }

    [Fact]
    public void Capture_on_a_device_that_is_not_cuda_says_it_needs_the_cuda_backend()
    {
        var driver = new FakeDriver();
        var e = Assert.Throws<IlgpuAeException>(() => CudaGraph.Capture(TestDevice.Cpu, () => { }, driver));
        Assert.Contains("CUDA graphs need the CUDA backend (--backend cuda)", e.Message);
        Assert.Empty(driver.Calls);
    }

    [Fact]
    public void A_missing_driver_library_is_one_error_naming_it()
    {
        var e = Assert.Throws<IlgpuAeException>(() => CudaDriver.Load("libcuda-that-is-not-here.so.1"));
        Assert.Contains("libcuda-that-is-not-here.so.1", e.Message);
        Assert.Contains("could not be loaded", e.Message);
    }

    [Fact]
    public void Launches_and_copies_follow_the_redirected_default_stream_until_it_is_restored_even_after_an_exception()
    {
        using var device = Device.Open(Backend.Cpu);
        var accelerator = device.Accelerator;
        var original = accelerator.DefaultStream;
        using var stream = accelerator.CreateStream();
        using var buffer = accelerator.Allocate1D<float>(4);
        Assert.Throws<InvalidOperationException>((Action)(() =>
        {
            using (DefaultStream.Redirect(accelerator, stream))
            {
                Assert.Same(stream, accelerator.DefaultStream);
                buffer.View.CopyFromCPU([1f, 2f, 3f, 4f]); // goes through the default stream
                stream.Synchronize();
                throw new InvalidOperationException("inside");
            }
        }));
        Assert.Same(original, accelerator.DefaultStream);
        Assert.Equal([1f, 2f, 3f, 4f], buffer.GetAsArray1D());
    }
}
