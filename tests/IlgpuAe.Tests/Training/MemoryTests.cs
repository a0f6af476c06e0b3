using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Training;
using Xunit;

namespace IlgpuAe.Tests.Training;

/// <summary>Device memory: a step allocates nothing, disposal gives everything back, devices and models coexist.</summary>
public class MemoryTests
{
    static Batch Batch(int rows, int features, int seed)
    {
        var rng = new Random(seed);
        return new Batch(Enumerable.Range(0, rows * features).Select(_ => (float)rng.NextDouble()).ToArray(), new byte[rows], rows);
    }

    static readonly AutoencoderOptions Tiny = new() { Features = 30, Hidden = [12], Code = 4 };

    [Fact]
    public void Memory_in_use_does_not_grow_over_a_thousand_steps_and_disposal_releases_every_buffer()
    {
        var device = TestDevice.Cpu;
        long baseline = device.LiveBytes;
        int baselineBuffers = device.LiveBuffers;
        var batch = Batch(16, 30, 1);
        long afterFirst;
        using (var model = new Autoencoder<float>(device, Tiny))
        using (var adam = new Adam())
        using (var trainer = new Trainer<float>(model, adam, 16, 1))
        {
            trainer.Step(batch);
            afterFirst = device.LiveBytes;
            Assert.True(afterFirst > baseline);
            for (int i = 0; i < 999; i++) trainer.Step(batch);
            Assert.Equal(afterFirst, device.LiveBytes);
        }
        Assert.Equal(baseline, device.LiveBytes);
        Assert.Equal(baselineBuffers, device.LiveBuffers);
    }

    [Theory]
    [InlineData(Condition.Label)]
    [InlineData(Condition.Masked)]
    public void A_cvae_step_allocates_no_host_buffer_of_the_batch_size(Condition condition)
    {
        // 64 rows of 784 pixels: an image-sized host buffer is 200 KB, a one-hot one 2.5 KB.
        var batch = Batch(64, 784, 3);
        using var model = new Cvae<float>(TestDevice.Cpu, new CvaeOptions { Hidden = [8], Latent = 2, Condition = condition }, seed: 1);
        using var adam = new Adam();
        using var trainer = new Trainer<float>(model, adam, 64, 1);
        for (int i = 0; i < 3; i++) trainer.Step(batch);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) trainer.Step(batch);
        long perStep = (GC.GetAllocatedBytesForCurrentThread() - before) / 10;
        // ILGPU's CPU launches allocate a task object each (a few hundred bytes; about 24 KB for this step's launches).
        Assert.True(perStep < 64_000, $"{perStep} bytes allocated per step");
    }

    [Fact]
    public void Two_models_on_one_device_train_side_by_side_like_each_alone()
    {
        var device = TestDevice.Cpu;
        var batch = Batch(8, 30, 2);
        float[] Alone()
        {
            using var m = new Autoencoder<float>(device, Tiny, seed: 5);
            using var o = new Adam();
            using var t = new Trainer<float>(m, o, 8, 5);
            for (int i = 0; i < 5; i++) t.Step(batch);
            return m.Parameters.Download();
        }
        var expected = Alone();
        using var a = new Autoencoder<float>(device, Tiny, seed: 5);
        using var b = new Autoencoder<float>(device, Tiny with { Code = 6 }, seed: 7);
        using var oa = new Adam();
        using var ob = new Adam();
        using var ta = new Trainer<float>(a, oa, 8, 5);
        using var tb = new Trainer<float>(b, ob, 8, 7);
        for (int i = 0; i < 5; i++)
        {
            ta.Step(batch);
            tb.Step(batch);
        }
        Assert.Equal(expected, a.Parameters.Download());
    }

    [Fact]
    public void A_second_device_in_the_same_process_works_and_agrees()
    {
        var batch = Batch(8, 30, 3);
        float[] TrainOn(Device device)
        {
            using var m = new Autoencoder<float>(device, Tiny, seed: 2);
            using var o = new Adam();
            using var t = new Trainer<float>(m, o, 8, 2);
            for (int i = 0; i < 3; i++) t.Step(batch);
            return m.Parameters.Download();
        }
        using var second = Device.Open(Backend.Cpu);
        Assert.Equal(TrainOn(TestDevice.Cpu), TrainOn(second));
        Assert.Equal(0, second.LiveBytes);
    }
}
