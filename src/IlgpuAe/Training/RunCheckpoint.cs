using IlgpuAe.Checkpoints;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using IlgpuAe.Models;
using IlgpuAe.Optim;

namespace IlgpuAe.Training;

/// <summary>What a run checkpoint restores besides the model.</summary>
/// <param name="State">Where the run stopped: the next epoch and batch, steps, the epoch's term sums.</param>
/// <param name="OptimizerState">The optimizer's named state arrays in double (for <see cref="Optimizer.Restore{T}(ParameterStore{T}, IReadOnlyDictionary{string, double[]}, long)"/>).</param>
/// <param name="OptimizerName"><see cref="Optimizer.Name"/> of the optimizer that wrote them.</param>
/// <param name="OptimizerSteps">Optimizer steps taken, for Adam's bias correction.</param>
/// <param name="Metadata">The whole header metadata, run options included.</param>
/// <param name="LearningRate">The learning-rate schedule the run trained with (<see cref="TrainerOptions.LearningRate"/>), complete
/// (no step count left to fill); null when it had none. Resume with it, not with a re-parsed one, so that the run continues bit for bit.</param>
/// <param name="Objectives">For a model with several objectives: each objective's optimizer state, by objective name; null otherwise.</param>
public sealed record RunResume(TrainerState State, IReadOnlyDictionary<string, double[]> OptimizerState, string OptimizerName,
    long OptimizerSteps, IReadOnlyDictionary<string, string> Metadata, Schedule? LearningRate = null,
    IReadOnlyDictionary<string, ObjectiveResume>? Objectives = null);

/// <summary>What a run checkpoint holds for one objective of a model with several: its optimizer's name, state and steps.</summary>
/// <param name="OptimizerName"><see cref="Optimizer.Name"/> of the objective's optimizer.</param>
/// <param name="OptimizerState">Its named state arrays in double, in the layout of the objective's parameter group.</param>
/// <param name="OptimizerSteps">Its steps taken.</param>
public sealed record ObjectiveResume(string OptimizerName, IReadOnlyDictionary<string, double[]> OptimizerState, long OptimizerSteps);

/// <summary>
/// A training run that can continue exactly: the model file plus the optimizer state (tensors named
/// optimizer.*, in double so float state round-trips exactly) and the trainer position (epoch, batch,
/// steps, the epoch's running term sums) in the metadata. Written atomically like every checkpoint.
/// </summary>
public static class RunCheckpoint
{
    /// <summary>The name of the run checkpoint inside a run directory.</summary>
    public const string FileName = "checkpoint.safetensors";

    /// <summary>
    /// Writes the model plus the optimizer state (in double), the trainer position and the learning-rate schedule
    /// <paramref name="learningRate"/> (as its grammar) to <paramref name="path"/>; <paramref name="extra"/> adds metadata.
    /// The loss weights' schedules travel in the model's configuration (for example <see cref="VaeOptions.BetaSchedule"/>).
    /// </summary>
    public static void Save<T>(string path, Model<T> model, Optimizer optimizer, TrainerState state,
        IReadOnlyDictionary<string, string>? extra = null, Schedule? learningRate = null) where T : unmanaged, IFloatingPointIeee754<T> =>
        Save(path, model, optimizer, state, extra, learningRate, new Dictionary<string, string>(), optimizer.State()
            .Where(kv => kv.Value.Length > 0)
            .Select(kv => TensorEntry.FromDoubles(ModelFile.StatePrefix + kv.Key, [kv.Value.Length], kv.Value))
            .ToList());

    /// <summary>
    /// As <see cref="Save{T}(string, Model{T}, Optimizer, TrainerState, IReadOnlyDictionary{string, string}?, Schedule?)"/> for a model with
    /// several objectives: each objective's optimizer state as tensors optimizer.NAME.KEY, its name and steps in the metadata
    /// (run.objectives lists the objectives in step order).
    /// </summary>
    public static void Save<T>(string path, Model<T> model, IReadOnlyDictionary<string, Optimizer> optimizers, TrainerState state,
        IReadOnlyDictionary<string, string>? extra = null, Schedule? learningRate = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(optimizers);
        var names = model.Objectives;
        if (names.Count == 0 || names.Any(n => !optimizers.ContainsKey(n)))
            throw new IlgpuAeException($"the {model.Kind}'s objectives are [{string.Join(", ", names)}]; the optimizers given are for [{string.Join(", ", optimizers.Keys)}]");
        var more = new Dictionary<string, string> { ["run.objectives"] = JsonSerializer.Serialize(names) };
        var tensors = new List<TensorEntry>();
        foreach (var n in names)
        {
            var o = optimizers[n];
            more[$"run.optimizer.{n}"] = o.Name;
            more[$"run.optimizer_steps.{n}"] = o.Steps.ToString(CultureInfo.InvariantCulture);
            tensors.AddRange(o.State().Where(kv => kv.Value.Length > 0)
                .Select(kv => TensorEntry.FromDoubles($"{ModelFile.StatePrefix}{n}.{kv.Key}", [kv.Value.Length], kv.Value)));
        }
        Save(path, model, optimizers[names[0]], state, extra, learningRate, more, tensors);
    }

    static void Save<T>(string path, Model<T> model, Optimizer optimizer, TrainerState state, IReadOnlyDictionary<string, string>? extra,
        Schedule? learningRate, IReadOnlyDictionary<string, string> more, List<TensorEntry> tensors) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var metadata = new Dictionary<string, string>(extra ?? new Dictionary<string, string>())
        {
            ["run.epoch"] = state.Epoch.ToString(CultureInfo.InvariantCulture),
            ["run.batch"] = state.Batch.ToString(CultureInfo.InvariantCulture),
            ["run.steps"] = state.Steps.ToString(CultureInfo.InvariantCulture),
            ["run.term_sums"] = JsonSerializer.Serialize(state.TermSums.Select(v => v.ToString("R", CultureInfo.InvariantCulture))),
            ["run.optimizer"] = optimizer.Name,
            ["run.optimizer_steps"] = optimizer.Steps.ToString(CultureInfo.InvariantCulture),
        };
        if (learningRate is not null)
            metadata["run.lr_schedule"] = learningRate.Spec ?? throw new IlgpuAeException(
                "a learning-rate schedule made with Schedule.Of(function) cannot be saved in a run checkpoint: use Schedule.Linear, Warmup, Cosine, Cyclical or StepDecay");
        foreach (var (k, v) in more) metadata[k] = v;
        ModelFile.Save(model, path, metadata, tensors);
    }

    /// <summary>
    /// Puts each objective's optimizer state of <paramref name="resume"/> back into <paramref name="optimizers"/> (one per objective of
    /// <paramref name="model"/>, over the parameter groups of its training plan for <paramref name="batch"/> rows); <see cref="IlgpuAeException"/>
    /// when the checkpoint holds no such state, was written by another kind of optimizer, or does not fit a group.
    /// </summary>
    public static void RestoreObjectives<T>(RunResume resume, Model<T> model, IReadOnlyDictionary<string, Optimizer> optimizers, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(resume);
        ArgumentNullException.ThrowIfNull(optimizers);
        if (resume.Objectives is not { } saved)
            throw new IlgpuAeException($"the checkpoint holds one optimizer's state, but the {model.Kind} has the objectives {string.Join(", ", model.Objectives)}");
        var plan = model.Plan(batch, training: true);
        foreach (var n in model.Objectives)
        {
            if (!saved.TryGetValue(n, out var own)) throw new IlgpuAeException($"the checkpoint holds no optimizer state for objective '{n}'");
            var optimizer = optimizers[n];
            if (own.OptimizerName != optimizer.Name)
                throw new IlgpuAeException($"the checkpoint's objective '{n}' was trained by optimizer {own.OptimizerName}, not {optimizer.Name}");
            optimizer.Restore(plan.GroupOf(n), own.OptimizerState, own.OptimizerSteps);
        }
    }

    /// <summary>Reads a run checkpoint back; throws <see cref="IlgpuAeException"/> when the file is a plain model file or its run metadata is damaged.</summary>
    public static (Model<T> Model, RunResume Resume) Load<T>(Device device, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var model = ModelFile.LoadWithFile<T>(device, path, out SafeTensorFile file);
        try
        {
            string Meta(string key) => file.Metadata.TryGetValue(key, out var v)
                ? v : throw new IlgpuAeException($"{path} is a model file, not a run checkpoint: its metadata has no '{key}'");
            int Int(string key) => int.TryParse(Meta(key), NumberStyles.None, CultureInfo.InvariantCulture, out int v)
                ? v : throw new IlgpuAeException($"{path}: metadata '{key}' is not a count");
            long steps = long.TryParse(Meta("run.steps"), NumberStyles.None, CultureInfo.InvariantCulture, out long s)
                ? s : throw new IlgpuAeException($"{path}: metadata 'run.steps' is not a count");
            long optimizerSteps = long.TryParse(Meta("run.optimizer_steps"), NumberStyles.None, CultureInfo.InvariantCulture, out long o)
                ? o : throw new IlgpuAeException($"{path}: metadata 'run.optimizer_steps' is not a count");
            double[] sums;
            try
            {
                sums = (JsonSerializer.Deserialize<string[]>(Meta("run.term_sums")) ?? [])
                    .Select(v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
            }
            catch (Exception e) when (e is JsonException or FormatException)
            {
                throw new IlgpuAeException($"{path}: metadata 'run.term_sums' is damaged");
            }
            var state = new TrainerState(Int("run.epoch"), Int("run.batch"), steps, sums);
            if (state.Epoch < 1) throw new IlgpuAeException($"{path}: metadata 'run.epoch' must be at least 1");
            var optimizerState = file.Tensors
                .Where(t => t.Name.StartsWith(ModelFile.StatePrefix, StringComparison.Ordinal))
                .ToDictionary(t => t.Name[ModelFile.StatePrefix.Length..], t => file.GetDoubles(t.Name));
            Schedule? learningRate = null;
            if (file.Metadata.TryGetValue("run.lr_schedule", out var spec))
            {
                try
                {
                    learningRate = Schedule.Parse(spec);
                }
                catch (IlgpuAeException e)
                {
                    throw new IlgpuAeException($"{path}: metadata 'run.lr_schedule' is damaged: {e.Message}");
                }
            }
            model.TrainingStep = state.Steps;
            Dictionary<string, ObjectiveResume>? objectives = null;
            if (file.Metadata.TryGetValue("run.objectives", out var list))
            {
                string[] names;
                try
                {
                    names = JsonSerializer.Deserialize<string[]>(list) ?? [];
                }
                catch (JsonException)
                {
                    throw new IlgpuAeException($"{path}: metadata 'run.objectives' is damaged");
                }
                objectives = [];
                foreach (var n in names)
                {
                    long steps2 = long.TryParse(Meta($"run.optimizer_steps.{n}"), NumberStyles.None, CultureInfo.InvariantCulture, out long s2)
                        ? s2 : throw new IlgpuAeException($"{path}: metadata 'run.optimizer_steps.{n}' is not a count");
                    string prefix = n + ".";
                    var own = optimizerState.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
                    objectives[n] = new ObjectiveResume(Meta($"run.optimizer.{n}"), own, steps2);
                }
            }
            return (model, new RunResume(state, optimizerState, Meta("run.optimizer"), optimizerSteps, file.Metadata, learningRate, objectives));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
