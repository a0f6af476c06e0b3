using System.Reflection;
using IlgpuAe.Checkpoints;
using IlgpuAe.Compute;
using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Ops;
using IlgpuAe.Optim;
using IlgpuAe.Training;
using Xunit;
using static IlgpuAe.Tests.Support.TestBatches;

namespace IlgpuAe.Tests.Training;

/// <summary>
/// `--cuda-graph` without a GPU. A CUDA graph replays the launches it captured with the arguments they had, so a training
/// step is capture-ready when every launch of one steady-state step equals the same launch of the next, kernel and
/// argument bytes alike, with every per-step value (step count, learning rate, bias corrections, term weights, random
/// streams, the guard's position) read from device memory. A recording capture on the CPU accelerator checks that for
/// every model, and that replayed steps train to the bits of uncaptured ones; the fallbacks warn once and change nothing.
/// </summary>
public class CapturedStepTests
{
    /// <summary>A stand-in for the CUDA graph: each replay runs the work again, recording its launches, with uploads refused.</summary>
    sealed class RecordingCapture : IStepCapture
    {
        public readonly List<List<string>> Replays = [];
        public int Captures;

        public IReplay Capture(Device device, Action work)
        {
            Captures++;
            return new Replay(this, device, work);
        }

        sealed class Replay(RecordingCapture owner, Device device, Action work) : IReplay
        {
            public void Launch()
            {
                var launches = new List<string>();
                device.OnLaunchArguments = (kernel, args) => launches.Add($"{Name(kernel)}({string.Join(", ", args)})");
                device.Capturing = true; // an upload inside the work would be recorded into a real graph: refused
                try
                {
                    work();
                }
                finally
                {
                    device.Capturing = false;
                    device.OnLaunchArguments = null;
                }
                owner.Replays.Add(launches);
            }

            public void Dispose() { }
        }

        static string Name(MethodInfo m) =>
            $"{m.DeclaringType?.Name}.{m.Name}<{string.Join(",", m.GetGenericArguments().Select(a => a.Name))}>";
    }

    static Model<float> Create(string kind)
    {
        var ae = new AutoencoderOptions { Features = 48, Hidden = [8], Code = 3 };
        return kind switch
        {
            "ae" => new Autoencoder<float>(TestDevice.Cpu, ae, seed: 3),
            // A KL warm-up: the term weight changes every step.
            "vae" => new Vae<float>(TestDevice.Cpu, new VaeOptions { Features = 48, Hidden = [8], Latent = 3, BetaSchedule = Schedule.Warmup(20) }, seed: 3),
            "vamp" => new Vae<float>(TestDevice.Cpu, new VaeOptions { Features = 48, Hidden = [8], Latent = 3, Prior = Prior.Vamp, PseudoInputs = 3 }, seed: 3),
            "cvae" => new Cvae<float>(TestDevice.Cpu, new CvaeOptions { Features = 36, Width = 6, Height = 6, Hidden = [8], Latent = 2, Condition = Condition.Masked, Block = 3 }, seed: 3),
            "dae" => new DenoisingAutoencoder<float>(TestDevice.Cpu, new DenoisingOptions { Autoencoder = ae, Noise = new Corruption(NoiseKind.Gaussian, 0.2) }, seed: 3),
            "sparse" => new SparseAutoencoder<float>(TestDevice.Cpu, new SparseOptions
            {
                Autoencoder = ae with { CodeActivation = Activation.Sigmoid }, Sparsity = Sparsity.Kl, Lambda = 0.3, Rho = 0.1,
            }, seed: 3),
            "cae" => new ContractiveAutoencoder<float>(TestDevice.Cpu, new ContractiveOptions
            {
                Autoencoder = ae with { CodeActivation = Activation.Sigmoid }, Lambda = 0.5, Jacobian = JacobianMethod.Hutchinson, Probes = 2,
            }, seed: 3),
            _ => throw new ArgumentException(kind),
        };
    }

    static TrainerOptions Options(IStepCapture? capture, List<string>? warnings = null) => new()
    {
        Path = StepPath.Device,
        GuardEvery = 3,
        ClipGrad = 5,
        LearningRate = Schedule.Warmup(10), // the learning rate changes every step
        CudaGraph = capture is not null || warnings is not null,
        StepCapture = capture,
        OnWarning = warnings is null ? null : warnings.Add,
    };

    [Theory]
    [InlineData("ae")]
    [InlineData("vae")]
    [InlineData("vamp")]
    [InlineData("cvae")]
    [InlineData("dae")]
    [InlineData("sparse")]
    [InlineData("cae")]
    public void Two_consecutive_steady_state_steps_make_the_same_launches_with_the_same_argument_bytes(string kind)
    {
        using var model = Create(kind);
        using var adam = new Adam(1e-3);
        var capture = new RecordingCapture();
        using var trainer = new Trainer<float>(model, adam, 4, 1, Options(capture));
        for (int i = 0; i < Trainer<float>.CaptureWarmUp + 3; i++) trainer.Step(RandomBatch(4, model.Features, 10 + i));
        Assert.True(trainer.StepCaptured);
        Assert.Equal(1, capture.Captures);
        Assert.Equal(3, capture.Replays.Count);
        var (first, second) = (capture.Replays[1], capture.Replays[2]);
        Assert.NotEmpty(first);
        Assert.Equal(first.Count, second.Count);
        for (int i = 0; i < first.Count; i++) Assert.Equal(first[i], second[i]);
        // The whole device half of a step is in it: forward, backward, the guard and the optimizer.
        Assert.Contains(first, l => l.StartsWith("OptimizerKernels.CheckFinite", StringComparison.Ordinal));
        Assert.Contains(first, l => l.StartsWith("OptimizerKernels.CpuAdam", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("vae")]
    [InlineData("dae")]
    public void Replayed_steps_train_to_the_bits_of_uncaptured_steps(string kind)
    {
        float[] Train(IStepCapture? capture, Optimizer optimizer)
        {
            using var model = Create(kind);
            using (optimizer)
            using (var trainer = new Trainer<float>(model, optimizer, 4, 1, Options(capture)))
            {
                for (int i = 0; i < 8; i++) trainer.Step(RandomBatch(4, model.Features, 30 + i));
                Assert.Equal(capture is not null, trainer.StepCaptured);
            }
            return model.Parameters.Download();
        }
        Assert.Equal(Train(null, new Adam(1e-2)), Train(new RecordingCapture(), new Adam(1e-2)));
        Assert.Equal(Train(null, new AdamW(1e-2)), Train(new RecordingCapture(), new AdamW(1e-2)));
        Assert.Equal(Train(null, new Sgd(1e-2)), Train(new RecordingCapture(), new Sgd(1e-2)));
    }

    [Fact]
    public void A_run_with_a_short_last_batch_replays_the_full_batches_and_matches_the_uncaptured_run()
    {
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 70);
        var test = data.Test.Slice(0, 16);
        (float[] Parameters, double Loss) Run(IStepCapture? capture)
        {
            using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [8], Latent = 2 }, seed: 5);
            using var adam = new Adam(1e-3);
            using var trainer = new Trainer<float>(model, adam, 16, 2, Options(capture) with { KeepLastBatch = true, LearningRate = null });
            var reports = trainer.Run(train, test, 2);
            return (model.Parameters.Download(), reports[^1].TrainLoss);
        }
        var capture = new RecordingCapture();
        var uncaptured = Run(null);
        var replayed = Run(capture);
        Assert.Equal(uncaptured.Parameters, replayed.Parameters);
        Assert.Equal(uncaptured.Loss, replayed.Loss);
        Assert.Equal(2 * 4 - Trainer<float>.CaptureWarmUp, capture.Replays.Count); // 4 full batches an epoch; the 6-row ones run uncaptured
    }

    [Fact]
    public void A_run_resumed_from_a_checkpoint_under_capture_continues_with_the_restored_step_count_to_the_same_bits()
    {
        var data = FashionMnist.LoadEmbedded();
        var train = data.Train.Slice(0, 64);
        var test = data.Test.Slice(0, 16);
        string path = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-captured-resume-{Guid.NewGuid():N}.safetensors");
        var options = Options(new RecordingCapture()) with { LearningRate = null };
        float[] straight;
        using (var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [8], Latent = 2 }, seed: 8))
        using (var adam = new Adam(1e-2))
        using (var trainer = new Trainer<float>(model, adam, 16, 4, options))
        {
            trainer.Run(train, test, 3);
            straight = model.Parameters.Download();
        }
        try
        {
            using (var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [8], Latent = 2 }, seed: 8))
            using (var adam = new Adam(1e-2))
            using (var trainer = new Trainer<float>(model, adam, 16, 4, options with { StepCapture = new RecordingCapture() }))
                trainer.Run(train, test, 1, onCheckpoint: s => RunCheckpoint.Save(path, model, adam, s));
            var (resumed, r) = RunCheckpoint.Load<float>(TestDevice.Cpu, path);
            using (resumed)
            using (var adam = new Adam(1e-2))
            {
                adam.Restore(resumed.Parameters, r.OptimizerState, r.OptimizerSteps);
                using var trainer = new Trainer<float>(resumed, adam, 16, 4, options with { StepCapture = new RecordingCapture() }) { State = r.State };
                trainer.Run(train, test, 3);
                Assert.True(trainer.StepCaptured);
                Assert.Equal(12, adam.Steps);
                Assert.Equal(straight, resumed.Parameters.Download());
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_diverged_replayed_step_is_reported_as_the_uncaptured_run_reports_it()
    {
        string Diverge(IStepCapture? capture)
        {
            using var model = Create("ae");
            using var adam = new Adam(1e-3);
            using var trainer = new Trainer<float>(model, adam, 4, 1, Options(capture));
            for (int i = 0; i < 4; i++) trainer.Step(RandomBatch(4, model.Features, 50 + i));
            var bad = RandomBatch(4, model.Features, 60);
            bad.Images[5] = float.NaN;
            var before = model.Parameters.Download();
            var e = Assert.Throws<DivergenceException>(() =>
            {
                for (int i = 0; i < 3; i++) trainer.Step(i == 0 ? bad : RandomBatch(4, model.Features, 61 + i));
            });
            Assert.Equal(before, model.Parameters.Download());
            Assert.Equal(4, e.Step);
            Assert.Equal(4, adam.Steps);
            return e.Message;
        }
        Assert.Equal(Diverge(null), Diverge(new RecordingCapture()));
    }

    [Fact]
    public void On_a_device_that_is_not_cuda_the_run_warns_once_and_trains_uncaptured()
    {
        using var model = Create("vae");
        using var adam = new Adam(1e-3);
        var warnings = new List<string>();
        using var trainer = new Trainer<float>(model, adam, 4, 1, Options(null, warnings));
        for (int i = 0; i < 5; i++) trainer.Step(RandomBatch(4, model.Features, 70 + i));
        Assert.False(trainer.StepCaptured);
        var warning = Assert.Single(warnings);
        Assert.StartsWith("warning: --cuda-graph: the training step runs uncaptured: CUDA graphs need the CUDA backend", warning);
        Assert.Contains("(cpu)", trainer.CaptureFallback);
    }

    /// <summary>The driver fails each call listed in <see cref="Fail"/>; every other call succeeds and does nothing.</summary>
    sealed class FailingDriver(params string[] fail) : ICudaGraphDriver
    {
        public readonly List<string> Calls = [];
        int Result(string call) { Calls.Add(call); return fail.Contains(call) ? 900 : 0; }
        public int BeginCapture(IntPtr stream, int mode) => Result("begin");
        public int EndCapture(IntPtr stream, out IntPtr graph) { graph = 6; return Result("end"); }
        public int Instantiate(out IntPtr exec, IntPtr graph) { exec = 14; return Result("instantiate"); }
        public int Launch(IntPtr exec, IntPtr stream) => Result("launch");
        public int DestroyExec(IntPtr exec) => Result("destroy exec");
        public int DestroyGraph(IntPtr graph) => Result("destroy graph");
        public string Describe(int result) => $"fake error {result}";
    }

    /// <summary>A capture through the graph driver calls, on no stream (the CPU accelerator has none to capture).</summary>
    sealed class DriverCapture(ICudaGraphDriver driver) : IStepCapture
    {
        public IReplay Capture(Device device, Action work) => CudaGraph.Capture(driver, 0, work, 0);
    }

    [Fact]
    public void A_capture_the_driver_refuses_warns_once_applies_the_step_uncaptured_and_is_not_tried_again()
    {
        float[] Train(IStepCapture? capture, List<string>? warnings)
        {
            using var model = Create("ae");
            using var adam = new Adam(1e-3);
            using var trainer = new Trainer<float>(model, adam, 4, 1, Options(capture, warnings));
            for (int i = 0; i < 6; i++) trainer.Step(RandomBatch(4, model.Features, 80 + i));
            Assert.False(trainer.StepCaptured);
            return model.Parameters.Download();
        }
        var driver = new FailingDriver("begin");
        var warnings = new List<string>();
        var refused = Train(new DriverCapture(driver), warnings);
        Assert.Equal(["begin"], driver.Calls);
        var warning = Assert.Single(warnings);
        Assert.Contains("the capture failed: cuStreamBeginCapture failed: fake error 900", warning);
        Assert.Equal(Train(null, null), refused);
    }

    /// <summary>An optimizer of the user's that does its step in one call: it cannot be split around a replay.</summary>
    sealed class PlainSgd() : Optimizer(1e-3, 0)
    {
        readonly Sgd _inner = new(1e-3, 0);
        public override string Name => "plain";
        public override void Step<T>(ParameterStore<T> parameters) => _inner.Step(parameters);
        public override IReadOnlyDictionary<string, double[]> State() => _inner.State();
        public override void Restore<T>(ParameterStore<T> parameters, IReadOnlyDictionary<string, double[]> state, long steps) => _inner.Restore(parameters, state, steps);
        public override void Dispose() => _inner.Dispose();
    }

    [Fact]
    public void An_optimizer_that_is_not_capture_ready_is_named_in_the_one_warning()
    {
        using var model = Create("ae");
        using var optimizer = new PlainSgd();
        var warnings = new List<string>();
        var capture = new RecordingCapture();
        using var trainer = new Trainer<float>(model, optimizer, 4, 1, Options(capture, warnings));
        for (int i = 0; i < 4; i++) trainer.Step(RandomBatch(4, model.Features, 90 + i));
        Assert.Equal(0, capture.Captures);
        Assert.Contains("optimizer plain does not keep its per-step values in device memory", Assert.Single(warnings));
    }
}
