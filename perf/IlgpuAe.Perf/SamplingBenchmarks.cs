using IlgpuAe.Graph;

namespace IlgpuAe.Perf;

/// <summary>
/// The VAE's stochastic middle on its own, forward and backward: ε ~ N(0, I) (Philox), z = μ + exp(logσ²/2)·ε,
/// KL(N(μ, σ²) ‖ N(0, I)) summed, and a linear read-out of z so that z has a gradient; μ and logσ² are the
/// parameters of a [batch, latent] store. Latent 20 as in the 784-400-20 VAE. At these sizes the time is
/// almost all launches (6 forward, 4 backward), which is what fusion would cut.
/// </summary>
public class SamplingBenchmarks
{
    [Params(128, 1024)]
    public int BatchSize { get; set; }

    [ParamsSource(typeof(CudaProbe), nameof(CudaProbe.Backends))]
    public string Backend { get; set; } = "cpu";

    const int Latent = 20;
    Device _device = null!;
    ParameterStore<float> _store = null!;
    Plan<float> _plan = null!;

    [GlobalSetup]
    public void Setup()
    {
        _device = Device.Open(BackendNames.Parse(Backend));
        _store = new ParameterStore<float>(_device, 1);
        var mean = _store.Add("mean", BatchSize, Latent, Init.Xavier, Latent, Latent);
        var logVar = _store.Add("logvar", BatchSize, Latent, Init.Xavier, Latent, Latent);
        _store.Materialize();
        var g = new GraphBuilder<float>(_store, BatchSize, training: true);
        var (mu, lv) = (g.Param(mean), g.Param(logVar));
        var z = g.Reparameterize(mu, lv, g.Noise(Latent));
        g.Loss("kl", g.KlStandardNormal(mu, lv));
        g.Loss("readout", g.Sum(z));
        _plan = g.Compile();
        SampleAndKl(); // compile every kernel outside the measurement
    }

    [Benchmark(Description = "sample + KL, forward and backward")]
    public void SampleAndKl()
    {
        _plan.Step++;
        _plan.Forward();
        _plan.Backward();
        _device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _plan.Dispose();
        _store.Dispose();
        _device.Dispose();
    }
}
