using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Training;
using Xunit;
using Xunit.Abstractions;

namespace IlgpuAe.Tests.Training;

/// <summary>
/// What a steady-state training step costs the host: device-to-host reads and synchronisations (none on the device path),
/// managed allocations (none by the engine), kernel launches (counted and printed), and the same bits on either path.
/// </summary>
public class StepTrafficTests(ITestOutputHelper output)
{
    static Batch Batch(int rows, int features, int seed)
    {
        var rng = new Random(seed);
        return new Batch(Enumerable.Range(0, rows * features).Select(_ => (float)rng.NextDouble()).ToArray(), new byte[rows], rows);
    }

    static Model<float> Create(string kind) => kind switch
    {
        "ae" => new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions { Features = 48, Hidden = [16], Code = 4 }, seed: 3),
        "vae" => new Vae<float>(TestDevice.Cpu, new VaeOptions { Features = 48, Hidden = [16], Latent = 4 }, seed: 3),
        _ => throw new ArgumentException(kind),
    };

    sealed record Traffic(double Reads, double Syncs, double Launches, double EngineBytes, double LauncherBytes);

    static Traffic Measure(Trainer<float> trainer, Batch batch, int steps)
    {
        var d = TestDevice.Cpu;
        long reads = d.HostReads, syncs = d.Synchronizations, launches = d.Launches, launcher = d.LauncherBytes;
        long bytes = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < steps; i++) trainer.Step(batch);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - bytes;
        long inLauncher = d.LauncherBytes - launcher;
        return new Traffic((d.HostReads - reads) / (double)steps, (d.Synchronizations - syncs) / (double)steps,
            (d.Launches - launches) / (double)steps, (allocated - inLauncher) / (double)steps, inLauncher / (double)steps);
    }

    [Theory]
    [InlineData("ae")]
    [InlineData("vae")]
    public void A_steady_state_step_on_the_device_path_reads_nothing_waits_for_nothing_and_allocates_nothing(string kind)
    {
        using var model = Create(kind);
        using var adam = new Adam();
        using var trainer = new Trainer<float>(model, adam, 8, 1, new TrainerOptions { Path = StepPath.Device, GuardEvery = 50 });
        var batch = Batch(8, 48, 1);
        for (int i = 0; i < 3; i++) trainer.Step(batch); // plans, kernels and staging buffers are made here
        var t = Measure(trainer, batch, 10);
        output.WriteLine($"{kind} device path: {t}");
        Assert.Equal(0, t.Reads);
        Assert.Equal(0, t.Syncs);
        Assert.Equal(0, t.EngineBytes);
        Assert.True(t.Launches > 0);
    }

    [Theory]
    [InlineData("ae")]
    [InlineData("vae")]
    public void On_the_host_path_a_step_reads_the_guard_once_and_allocates_nothing(string kind)
    {
        using var model = Create(kind);
        using var adam = new Adam();
        using var trainer = new Trainer<float>(model, adam, 8, 1);
        Assert.Equal(1, trainer.GuardEvery);
        var batch = Batch(8, 48, 2);
        for (int i = 0; i < 3; i++) trainer.Step(batch);
        var t = Measure(trainer, batch, 10);
        output.WriteLine($"{kind} host path: {t}");
        Assert.Equal(1, t.Reads);
        Assert.Equal(1, t.Syncs); // the read waits for the step; the batch's copy from page-locked staging does not
        Assert.Equal(0, t.EngineBytes);
    }

    [Fact]
    public void The_device_path_trains_to_the_same_bits_and_terms_as_the_host_path()
    {
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 96);
        var test = data.Test.Slice(0, 32);
        (float[] Parameters, double Loss, double Test) Run(StepPath path)
        {
            using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [16], Latent = 3 }, seed: 4);
            using var adam = new Adam(1e-3);
            using var trainer = new Trainer<float>(model, adam, 16, 4, new TrainerOptions { Path = path, GuardEvery = path == StepPath.Device ? 4 : 0 });
            var reports = trainer.Run(train, test, 2);
            return (model.Parameters.Download(), reports[^1].TrainLoss, reports[^1].TestLoss);
        }
        var host = Run(StepPath.Host);
        var device = Run(StepPath.Device);
        Assert.Equal(host.Parameters, device.Parameters);
        Assert.Equal(host.Loss, device.Loss);
        Assert.Equal(host.Test, device.Test);
    }

    [Fact]
    public void The_steps_of_a_run_allocate_nothing_between_two_batches()
    {
        var data = FashionMnist.LoadEmbedded().Train.Slice(0, 32 * 16);
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [16], Latent = 3 }, seed: 4);
        using var adam = new Adam(1e-3);
        using var trainer = new Trainer<float>(model, adam, 16, 4);
        var d = TestDevice.Cpu;
        long bytes = 0, launcher = 0;
        trainer.Run(data, data.Slice(0, 16), 1, onBatch: (done, _) =>
        {
            if (done == 10) (bytes, launcher) = (GC.GetAllocatedBytesForCurrentThread(), d.LauncherBytes);
            if (done == 30) (bytes, launcher) = (GC.GetAllocatedBytesForCurrentThread() - bytes, d.LauncherBytes - launcher);
        });
        output.WriteLine($"20 steps of a run: {bytes} bytes, {launcher} of them in ILGPU's CPU launcher");
        Assert.Equal(0, bytes - launcher);
    }
}
