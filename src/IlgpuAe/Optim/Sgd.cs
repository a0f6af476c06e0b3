using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using IlgpuAe.Kernels;

namespace IlgpuAe.Optim;

/// <summary>SGD with (heavy-ball) momentum: v = μ·v + g + wd·p; p -= lr·v.</summary>
public sealed class Sgd : Optimizer
{
    MemoryBuffer? _velocity;

    public Sgd(double lr = 1e-2, double momentum = 0.9, double weightDecay = 0) : base(lr, weightDecay)
    {
        if (!(momentum >= 0 && momentum < 1)) throw new IlgpuAeException($"momentum must be in [0, 1), got {momentum}");
        Momentum = momentum;
    }

    public double Momentum { get; }
    public override string Name => "sgd";

    public override void Step<T>(ParameterStore<T> p)
    {
        var velocity = StateBuffer(ref _velocity, p);
        Steps++;
        var loop = p.Device.LoopFor(p.Count);
        p.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T, T>(OptimizerKernels.SgdMomentum)(
            loop.Threads, loop, p.Values, p.Grads, velocity.View,
            T.CreateTruncating(LearningRate), T.CreateTruncating(Momentum), T.CreateTruncating(WeightDecay));
    }

    public override IReadOnlyDictionary<string, double[]> State() => new Dictionary<string, double[]> { ["velocity"] = ToHost(_velocity) };

    public override void Restore<T>(ParameterStore<T> parameters, IReadOnlyDictionary<string, double[]> state, long steps)
    {
        RestoreBuffer(ref _velocity, parameters, state, "velocity");
        Steps = steps;
    }

    public override void Dispose()
    {
        _velocity?.Dispose();
        _velocity = null;
    }
}
