using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using IlgpuAe.Compute;

namespace IlgpuAe.Optim;

/// <summary>
/// Adam (Kingma and Ba): m = β1·m + (1-β1)·g, v = β2·v + (1-β2)·g², p -= lr·m̂/(√v̂ + ε).
/// With <c>decoupled</c> it is AdamW: weight decay shrinks p directly instead of joining g.
/// </summary>
/// <param name="lr">Learning rate (positive).</param>
/// <param name="beta1">β1, first-moment decay.</param>
/// <param name="beta2">β2, second-moment decay.</param>
/// <param name="eps">ε in the denominator.</param>
/// <param name="weightDecay">Weight decay (zero or positive).</param>
/// <param name="decoupled">True for AdamW's decoupled decay.</param>
public class Adam(double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0, bool decoupled = false)
    : Optimizer(lr, weightDecay)
{
    MemoryBuffer? _m, _v;
    object? _launch;

    /// <summary>β1, the decay of the first-moment average m (0.9 by default).</summary>
    public double Beta1 { get; } = beta1;
    /// <summary>β2, the decay of the second-moment average v (0.999 by default).</summary>
    public double Beta2 { get; } = beta2;
    /// <summary>ε, added to √v̂ so that the step stays finite.</summary>
    public double Epsilon { get; } = eps;
    /// <summary>True for AdamW (decay shrinks p directly), false for Adam (decay joins g as L2).</summary>
    public bool Decoupled { get; } = decoupled;
    /// <summary>"adamw" when <see cref="Decoupled"/>, else "adam".</summary>
    public override string Name => Decoupled ? "adamw" : "adam";

    /// <summary>True: the Adam kernels read <see cref="ParameterStore{T}.Gate"/>.</summary>
    public override bool ReadsGate => true;

    /// <summary>One Adam step over every parameter, with the bias corrections of the new step count; m and v are allocated (zero) on the first step.</summary>
    public override void Step<T>(ParameterStore<T> p)
    {
        PrepareStep(p);
        LaunchStep(p);
    }

    /// <summary>True: the learning rate and bias corrections live in device memory.</summary>
    public override bool CaptureReady => true;

    /// <summary>Counts the step and uploads its learning rate and bias corrections (1 − β^step, in double, rounded to T).</summary>
    public override void PrepareStep<T>(ParameterStore<T> p)
    {
        StateBuffer(ref _m, p);
        StateBuffer(ref _v, p);
        Steps++;
        Launch(p).Stage(LearningRate, Beta1, Beta2, Epsilon, WeightDecay, Steps, Decoupled);
    }

    /// <summary>The Adam kernel over every parameter, with the scalars <see cref="PrepareStep{T}"/> uploaded.</summary>
    public override void LaunchStep<T>(ParameterStore<T> p) =>
        Launch(p).Launch(p.Values, p.Grads, StateBuffer(ref _m, p).View, StateBuffer(ref _v, p).View, p.Gate);

    // Not a lambda: a closure over p would allocate at every step.
    AdamLaunch<T> Launch<T>(ParameterStore<T> p) where T : unmanaged, IFloatingPointIeee754<T> =>
        _launch as AdamLaunch<T> ?? Launcher(ref _launch, new AdamLaunch<T>(p.Device));

    /// <summary>One Adam step over the members of <paramref name="group"/>, one launch per span; m and v have the group's length.</summary>
    public override void Step<T>(ParameterGroup<T> group)
    {
        var m = StateBuffer(ref _m, group);
        var v = StateBuffer(ref _v, group);
        Steps++;
        var p = group.Store;
        var launch = Launch(p);
        launch.Stage(LearningRate, Beta1, Beta2, Epsilon, WeightDecay, Steps, Decoupled);
        long at = 0;
        foreach (var (offset, length) in group.Spans)
        {
            launch.Launch(p.Values.SubView(offset, length), p.Grads.SubView(offset, length), m.View.SubView(at, length), v.View.SubView(at, length), p.Gate);
            at += length;
        }
    }

    /// <summary>Puts back a group's "m", "v" and the step count.</summary>
    public override void Restore<T>(ParameterGroup<T> group, IReadOnlyDictionary<string, double[]> state, long steps)
    {
        RestoreBuffer(ref _m, group, state, "m");
        RestoreBuffer(ref _v, group, state, "v");
        Steps = steps;
    }

    /// <summary>"m" and "v" in the flat parameter layout (empty before the first step).</summary>
    public override IReadOnlyDictionary<string, double[]> State() => new Dictionary<string, double[]>
    {
        ["m"] = ToHost(_m),
        ["v"] = ToHost(_v),
    };

    /// <summary>Puts back "m", "v" and the step count; <see cref="IlgpuAeException"/> when either is missing or the wrong length.</summary>
    public override void Restore<T>(ParameterStore<T> parameters, IReadOnlyDictionary<string, double[]> state, long steps)
    {
        RestoreBuffer(ref _m, parameters, state, "m");
        RestoreBuffer(ref _v, parameters, state, "v");
        Steps = steps;
    }

    /// <summary>Frees m and v; a later step starts from zero moments.</summary>
    public override void Dispose()
    {
        _m?.Dispose();
        _v?.Dispose();
        _m = _v = null;
        (_launch as IDisposable)?.Dispose();
        _launch = null;
    }
}

/// <summary>AdamW: Adam with decoupled weight decay (Loshchilov and Hutter).</summary>
/// <param name="lr">Learning rate (positive).</param>
/// <param name="weightDecay">Decay applied to p directly (0.01 by default).</param>
/// <param name="beta1">β1, first-moment decay.</param>
/// <param name="beta2">β2, second-moment decay.</param>
/// <param name="eps">ε in the denominator.</param>
public sealed class AdamW(double lr = 1e-3, double weightDecay = 1e-2, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    : Adam(lr, beta1, beta2, eps, weightDecay, decoupled: true);
