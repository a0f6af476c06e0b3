using System.Numerics;
using ILGPU;
using ILGPU.Runtime;

namespace IlgpuAe.Optim;

/// <summary>
/// Updates the flat parameter buffer from the flat gradient buffer in one launch per step.
/// State (momenta) lives in flat buffers of the same layout, allocated on the first step.
/// </summary>
public abstract class Optimizer : IDisposable
{
    /// <summary>Throws <see cref="IlgpuAeException"/> unless <paramref name="lr"/> is positive and <paramref name="weightDecay"/> zero or positive, both finite.</summary>
    protected Optimizer(double lr, double weightDecay)
    {
        if (!(lr > 0) || !double.IsFinite(lr)) throw new IlgpuAeException($"learning rate must be a positive number, got {lr}");
        if (!(weightDecay >= 0) || !double.IsFinite(weightDecay)) throw new IlgpuAeException($"weight decay must be zero or positive, got {weightDecay}");
        LearningRate = lr;
        WeightDecay = weightDecay;
    }

    /// <summary>The step size; settable between steps (schedules).</summary>
    public double LearningRate { get; set; }
    /// <summary>Weight decay wd (0: none); how it applies depends on the optimizer.</summary>
    public double WeightDecay { get; }

    /// <summary>Steps taken so far (Adam's bias correction counts them).</summary>
    public long Steps { get; protected set; }

    /// <summary>
    /// Whether this optimizer's kernels leave the parameters alone while <see cref="ParameterStore{T}.Gate"/> is shut
    /// (the built-in ones do). The trainer's device guard then reads its flag only every
    /// <see cref="Training.TrainerOptions.GuardEvery"/> steps; for an optimizer that does not (false, the default for one
    /// of your own), it reads it before every step, so that a step that diverged never reaches the optimizer.
    /// </summary>
    public virtual bool ReadsGate => false;

    /// <summary>Takes back <paramref name="steps"/> counted steps that the gate made no-ops (a divergence found late).</summary>
    internal void Uncount(long steps) => Steps -= steps;

    /// <summary>A short name for logs and checkpoints.</summary>
    public abstract string Name { get; }

    /// <summary>Updates <see cref="ParameterStore{T}.Values"/> from <see cref="ParameterStore{T}.Grads"/> in one launch and counts the step; one instance serves one store.</summary>
    public abstract void Step<T>(ParameterStore<T> parameters) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// Whether <see cref="Step{T}(ParameterStore{T})"/> is <see cref="PrepareStep{T}"/> then <see cref="LaunchStep{T}"/>, the launches reading every
    /// per-step value (learning rate, step count) from device memory: then a captured CUDA graph of the launches replays
    /// correctly after each PrepareStep. The built-in optimizers are; one of your own is not unless it says so.
    /// </summary>
    public virtual bool CaptureReady => false;

    /// <summary>The host half of a step: counts it and queues the upload of its scalars (see <see cref="CaptureReady"/>).</summary>
    public virtual void PrepareStep<T>(ParameterStore<T> parameters) where T : unmanaged, IFloatingPointIeee754<T> =>
        throw new NotSupportedException($"optimizer {Name} does not split its step (CaptureReady is false)");

    /// <summary>The device half of a step: its launches, with the same arguments at every step (see <see cref="CaptureReady"/>).</summary>
    public virtual void LaunchStep<T>(ParameterStore<T> parameters) where T : unmanaged, IFloatingPointIeee754<T> =>
        throw new NotSupportedException($"optimizer {Name} does not split its step (CaptureReady is false)");

    /// <summary>Keeps <paramref name="made"/>, the per-step scalars' launcher made on first use, in <paramref name="slot"/>.</summary>
    private protected static TLaunch Launcher<TLaunch>(ref object? slot, TLaunch made) where TLaunch : class, IDisposable
    {
        if (slot is not null)
        {
            made.Dispose();
            throw new InvalidOperationException("an optimizer instance serves one parameter store");
        }
        slot = made;
        return made;
    }

    /// <summary>
    /// Updates the members of <paramref name="group"/> alone from their gradients and counts the step: what one objective of a
    /// model with several (<see cref="Models.Model{T}.Objectives"/>) does. The state has the group's length. One instance serves
    /// one group. An optimizer of your own that does not override it cannot train such a model (<see cref="IlgpuAeException"/>).
    /// </summary>
    public virtual void Step<T>(ParameterGroup<T> group) where T : unmanaged, IFloatingPointIeee754<T> =>
        throw new IlgpuAeException($"optimizer {Name} cannot step a parameter group (override Step(ParameterGroup<T>) and Restore(ParameterGroup<T>, ...))");

    /// <summary>Puts back a state taken with <see cref="State"/> from an optimizer of <paramref name="group"/> after <paramref name="steps"/> steps.</summary>
    public virtual void Restore<T>(ParameterGroup<T> group, IReadOnlyDictionary<string, double[]> state, long steps) where T : unmanaged, IFloatingPointIeee754<T> =>
        throw new IlgpuAeException($"optimizer {Name} cannot restore the state of a parameter group (override Restore(ParameterGroup<T>, ...))");

    /// <summary>The optimizer state as named host arrays, for checkpoints.</summary>
    public abstract IReadOnlyDictionary<string, double[]> State();

    /// <summary>Puts back a state taken with <see cref="State"/> after <paramref name="steps"/> steps (a resumed run).</summary>
    public abstract void Restore<T>(ParameterStore<T> parameters, IReadOnlyDictionary<string, double[]> state, long steps)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Uploads one named state array into its buffer, checking its presence and length.</summary>
    protected static void RestoreBuffer<T>(ref MemoryBuffer? slot, ParameterStore<T> p, IReadOnlyDictionary<string, double[]> state, string name)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!state.TryGetValue(name, out var values))
            throw new IlgpuAeException($"the checkpoint has no optimizer state '{name}'");
        if (values.Length != p.Count)
            throw new IlgpuAeException($"optimizer state '{name}' has {values.Length} values, the model has {p.Count} parameters");
        StateBuffer(ref slot, p).View.CopyFromCPU(values.Select(T.CreateTruncating).ToArray());
    }

    /// <summary>As <see cref="RestoreBuffer{T}(ref MemoryBuffer?, ParameterStore{T}, IReadOnlyDictionary{string, double[]}, string)"/>, for a group's state.</summary>
    protected static void RestoreBuffer<T>(ref MemoryBuffer? slot, ParameterGroup<T> group, IReadOnlyDictionary<string, double[]> state, string name)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!state.TryGetValue(name, out var values))
            throw new IlgpuAeException($"the checkpoint has no optimizer state '{name}' for parameter group '{group.Name}'");
        if (values.Length != group.Count)
            throw new IlgpuAeException($"optimizer state '{name}' has {values.Length} values, parameter group '{group.Name}' has {group.Count} parameters");
        StateBuffer(ref slot, group).View.CopyFromCPU(values.Select(T.CreateTruncating).ToArray());
    }

    /// <summary>Allocates (or checks) a state buffer of the group's length; zero at start.</summary>
    protected static MemoryBuffer1D<T, Stride1D.Dense> StateBuffer<T>(ref MemoryBuffer? slot, ParameterGroup<T> group)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (slot is MemoryBuffer1D<T, Stride1D.Dense> existing && existing.Length == group.Count) return existing;
        if (slot is not null) throw new InvalidOperationException("an optimizer instance serves one parameter group");
        var buffer = group.Store.Device.Allocate<T>(group.Count);
        buffer.MemSetToZero();
        slot = buffer;
        return buffer;
    }

    /// <summary>Frees the state buffers.</summary>
    public abstract void Dispose();

    /// <summary>Allocates (or checks) a state buffer of the parameter layout; zero at start.</summary>
    protected static MemoryBuffer1D<T, Stride1D.Dense> StateBuffer<T>(ref MemoryBuffer? slot, ParameterStore<T> p)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (slot is MemoryBuffer1D<T, Stride1D.Dense> existing && existing.Length == p.Count) return existing;
        if (slot is not null) throw new InvalidOperationException("an optimizer instance serves one parameter store");
        var buffer = p.Device.Allocate<T>(p.Count);
        buffer.MemSetToZero();
        slot = buffer;
        return buffer;
    }

    /// <summary>A state buffer's values widened to double (empty when it is not yet allocated).</summary>
    protected static double[] ToHost(MemoryBuffer? buffer) => buffer switch
    {
        MemoryBuffer1D<float, Stride1D.Dense> f => f.GetAsArray1D().Select(v => (double)v).ToArray(),
        MemoryBuffer1D<double, Stride1D.Dense> d => d.GetAsArray1D(),
        _ => [],
    };
}
