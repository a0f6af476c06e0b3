using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using IlgpuAe.Kernels;

namespace IlgpuAe.Optim;

/// <summary>SGD with (heavy-ball) momentum: v = μ·v + g + wd·p; p -= lr·v.</summary>
public sealed class Sgd : Optimizer
{
    MemoryBuffer? _velocity;
    object? _rate;

    /// <summary>Throws <see cref="IlgpuAeException"/> unless <paramref name="momentum"/> is in [0, 1) and the learning rate and decay are valid.</summary>
    public Sgd(double lr = 1e-2, double momentum = 0.9, double weightDecay = 0) : base(lr, weightDecay)
    {
        if (!(momentum >= 0 && momentum < 1)) throw new IlgpuAeException($"momentum must be in [0, 1), got {momentum}");
        Momentum = momentum;
    }

    /// <summary>μ, the decay of the velocity (0: plain SGD).</summary>
    public double Momentum { get; }
    /// <summary>"sgd"</summary>
    public override string Name => "sgd";

    /// <summary>True: the SGD kernel reads <see cref="ParameterStore{T}.Gate"/>.</summary>
    public override bool ReadsGate => true;

    /// <summary>v = μ·v + g + wd·p;  p -= lr·v over every parameter; the velocity is allocated (zero) on the first step.</summary>
    public override void Step<T>(ParameterStore<T> p)
    {
        PrepareStep(p);
        LaunchStep(p);
    }

    /// <summary>True: the learning rate lives in device memory.</summary>
    public override bool CaptureReady => true;

    /// <summary>Counts the step and uploads its learning rate (rounded to T).</summary>
    public override void PrepareStep<T>(ParameterStore<T> p)
    {
        StateBuffer(ref _velocity, p);
        Steps++;
        StageRate(p);
    }

    /// <summary>The SGD kernel over every parameter, with the rate <see cref="PrepareStep{T}"/> uploaded.</summary>
    public override void LaunchStep<T>(ParameterStore<T> p)
    {
        var loop = p.Device.LoopFor(p.Count);
        p.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T, ArrayView<long>>(OptimizerKernels.SgdMomentum)(
            loop.Threads, loop, p.Values, p.Grads, StateBuffer(ref _velocity, p).View,
            Rate(p).View, T.CreateTruncating(Momentum), T.CreateTruncating(WeightDecay), p.Gate);
    }

    /// <summary>Queues the upload of this step's learning rate (rounded to T) into the cell the kernel reads.</summary>
    Graph.DeviceScalars<T> StageRate<T>(ParameterStore<T> p) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rate = Rate(p);
        rate.Set(T.CreateTruncating(LearningRate));
        rate.Upload();
        return rate;
    }

    Graph.DeviceScalars<T> Rate<T>(ParameterStore<T> p) where T : unmanaged, IFloatingPointIeee754<T> =>
        _rate as Graph.DeviceScalars<T> ?? Launcher(ref _rate, new Graph.DeviceScalars<T>(p.Device, 1));

    /// <summary>The same step over the members of <paramref name="group"/>, one launch per span; the velocity has the group's length.</summary>
    public override void Step<T>(ParameterGroup<T> group)
    {
        var velocity = StateBuffer(ref _velocity, group);
        Steps++;
        var p = group.Store;
        var rate = StageRate(p);
        long at = 0;
        foreach (var (offset, length) in group.Spans)
        {
            var loop = p.Device.LoopFor(length);
            p.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T, ArrayView<long>>(OptimizerKernels.SgdMomentum)(
                loop.Threads, loop, p.Values.SubView(offset, length), p.Grads.SubView(offset, length), velocity.View.SubView(at, length),
                rate.View, T.CreateTruncating(Momentum), T.CreateTruncating(WeightDecay), p.Gate);
            at += length;
        }
    }

    /// <summary>Puts back a group's "velocity" and the step count.</summary>
    public override void Restore<T>(ParameterGroup<T> group, IReadOnlyDictionary<string, double[]> state, long steps)
    {
        RestoreBuffer(ref _velocity, group, state, "velocity");
        Steps = steps;
    }

    /// <summary>"velocity" in the flat parameter layout (empty before the first step).</summary>
    public override IReadOnlyDictionary<string, double[]> State() => new Dictionary<string, double[]> { ["velocity"] = ToHost(_velocity) };

    /// <summary>Puts back "velocity" and the step count; <see cref="IlgpuAeException"/> when it is missing or the wrong length.</summary>
    public override void Restore<T>(ParameterStore<T> parameters, IReadOnlyDictionary<string, double[]> state, long steps)
    {
        RestoreBuffer(ref _velocity, parameters, state, "velocity");
        Steps = steps;
    }

    /// <summary>Frees the velocity; a later step starts from zero.</summary>
    public override void Dispose()
    {
        _velocity?.Dispose();
        _velocity = null;
        (_rate as IDisposable)?.Dispose();
        _rate = null;
    }
}
