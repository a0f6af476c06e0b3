using System.Numerics;
using IlgpuAe.Data;
using IlgpuAe.Graph;

namespace IlgpuAe.Models;

/// <summary>One batch on the host: images [Rows, Features] in [0, 1] and their labels.</summary>
/// <param name="Images">Pixels row-major [Rows, Features], each in [0, 1].</param>
/// <param name="Labels">One class label per row.</param>
/// <param name="Rows">Images in the batch; Images.Length must be Rows times the model's features.</param>
public sealed record Batch(float[] Images, byte[] Labels, int Rows);

/// <summary>
/// An autoencoder variant: declares its parameters through modules, builds its graph from graph
/// ops and names its loss terms. It never launches a kernel; the plan does.
/// </summary>
public abstract class Model<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly Dictionary<(int Batch, bool Training, bool OutputsOnly), Plan<T>> _plans = [];

    /// <summary>Creates the model's empty parameter store on <paramref name="device"/>; <paramref name="seed"/> drives initialisation and in-graph noise.</summary>
    protected Model(Device device, ulong seed)
    {
        Device = device;
        Seed = seed;
        Parameters = new ParameterStore<T>(device, seed);
    }

    /// <summary>The device holding the parameters and running every plan.</summary>
    public Device Device { get; }
    /// <summary>The seed of parameter initialisation and of every plan's random streams (stored in checkpoints).</summary>
    public ulong Seed { get; }
    /// <summary>Every parameter of the model in one flat buffer, with its gradient.</summary>
    public ParameterStore<T> Parameters { get; }

    /// <summary>
    /// The model's name on the command line and in checkpoints ("ae", "vae", ...). A subclass declares a kind of its own
    /// (saving refuses one that would be written as its parent's kind) and registers it with <see cref="ModelCatalog"/>
    /// so that <see cref="Checkpoints.ModelFile.Load{T}(Device, string)"/> can rebuild it.
    /// </summary>
    public abstract string Kind { get; }

    /// <summary>
    /// Optimizer steps the model has trained (the trainer advances it; model files store it). Scheduled loss weights
    /// (<see cref="Schedule"/>) are taken at this step when the model is evaluated, so a reloaded model reports what training reported.
    /// </summary>
    public long TrainingStep { get; set; }

    /// <summary>
    /// The objectives the training graph declares (<see cref="GraphBuilder{T}.Objective"/>), in step order, each stepped by an
    /// optimizer of its own over its own parameter group; empty (the default): one objective over every term and parameter.
    /// </summary>
    public virtual IReadOnlyList<string> Objectives => [];

    /// <summary>Features of one input row.</summary>
    public abstract int Features { get; }

    /// <summary>The configuration as JSON, enough to rebuild the same model (checkpoint metadata).</summary>
    public abstract string ConfigJson();

    /// <summary>Declares inputs, ops, loss terms and outputs for one batch size.</summary>
    protected abstract void Build(GraphBuilder<T> g);

    /// <summary>
    /// Data-dependent initialisation before the first step of a run (<see cref="Training.Trainer{T}.Run"/> calls it when the
    /// run starts at step 0 on parameters nobody has uploaded: never on resume, never on a loaded model). The base model does
    /// nothing; the VAE starts its decoder's output bias at the training images' pixel means (<see cref="VaeOptions.OutputBias"/>).
    /// </summary>
    public virtual void InitialiseFromData(Dataset train) { }

    /// <summary>
    /// Why the objective is not a mean of per-row terms, or null when it is. Data-parallel training splits each batch over
    /// ranks and sums their means, which equals the whole batch's objective only for per-row terms, so it refuses the others.
    /// </summary>
    public virtual string? NotRowSeparable => Parameters.Buffers.Count > 0
        ? "batch normalisation normalises each row with the whole batch's statistics (and keeps running ones), which a rank's share of the batch does not see (group normalisation is per image)"
        : null;

    /// <summary>Copies a host batch into the plan's inputs.</summary>
    public virtual void Feed(Plan<T> plan, Batch batch)
    {
        if (batch.Images.Length != batch.Rows * Features)
            throw new IlgpuAeException($"model {Kind} expects {Features} features per row, the batch has {batch.Images.Length / Math.Max(1, batch.Rows)}");
        plan.SetInput(plan.Input("x"), batch.Images);
    }

    /// <summary>The compiled plan for this batch size, built on first use and kept.</summary>
    public Plan<T> Plan(int batch, bool training) => Cached(batch, training, outputsOnly: false);

    /// <summary>
    /// The evaluation plan for this batch size without the loss terms: only what the named outputs need, built on first use and kept.
    /// What reads outputs alone (<see cref="Infer"/>, the diagnostics) runs this one, so it does not pay for the objective.
    /// </summary>
    public Plan<T> OutputPlan(int batch) => Cached(batch, training: false, outputsOnly: true);

    Plan<T> Cached(int batch, bool training, bool outputsOnly)
    {
        if (!_plans.TryGetValue((batch, training, outputsOnly), out var plan))
        {
            var g = new GraphBuilder<T>(Parameters, batch, training);
            Build(g);
            plan = outputsOnly ? g.CompileOutputs() : g.Compile();
            plan.Seed = Seed;
            _plans[(batch, training, outputsOnly)] = plan;
        }
        return plan;
    }

    /// <summary>Runs the evaluation graph on one batch and returns a named output (row-major, in the model's element type).</summary>
    public T[] Infer(Batch batch, string output, ulong step = 0)
    {
        var plan = OutputPlan(batch.Rows);
        plan.Step = step;
        plan.ScheduleStep = TrainingStep;
        Feed(plan, batch);
        plan.Forward();
        return plan.Read(output);
    }

    /// <summary>The compiled plans, for tools that report launch counts and memory.</summary>
    public IEnumerable<Plan<T>> Plans => _plans.Values;

    /// <summary>Frees every compiled plan and the parameters.</summary>
    public virtual void Dispose()
    {
        foreach (var plan in _plans.Values) plan.Dispose();
        _plans.Clear();
        Parameters.Dispose();
        GC.SuppressFinalize(this);
    }
}
