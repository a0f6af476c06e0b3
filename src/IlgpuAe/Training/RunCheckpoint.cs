using IlgpuAe.Checkpoints;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using IlgpuAe.Models;
using IlgpuAe.Optim;

namespace IlgpuAe.Training;

/// <summary>What a run checkpoint restores besides the model.</summary>
/// <param name="State">Where the run stopped: the next epoch and batch, steps, the epoch's term sums.</param>
/// <param name="OptimizerState">The optimizer's named state arrays in double (for <see cref="Optimizer.Restore"/>).</param>
/// <param name="OptimizerName"><see cref="Optimizer.Name"/> of the optimizer that wrote them.</param>
/// <param name="OptimizerSteps">Optimizer steps taken, for Adam's bias correction.</param>
/// <param name="Metadata">The whole header metadata, run options included.</param>
/// <param name="LearningRate">The learning-rate schedule the run trained with (<see cref="TrainerOptions.LearningRate"/>), complete
/// (no step count left to fill); null when it had none. Resume with it, not with a re-parsed one, so that the run continues bit for bit.</param>
public sealed record RunResume(TrainerState State, IReadOnlyDictionary<string, double[]> OptimizerState, string OptimizerName,
    long OptimizerSteps, IReadOnlyDictionary<string, string> Metadata, Schedule? LearningRate = null);

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
        IReadOnlyDictionary<string, string>? extra = null, Schedule? learningRate = null) where T : unmanaged, IFloatingPointIeee754<T>
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
        var tensors = optimizer.State()
            .Where(kv => kv.Value.Length > 0)
            .Select(kv => TensorEntry.FromDoubles(ModelFile.StatePrefix + kv.Key, [kv.Value.Length], kv.Value))
            .ToList();
        ModelFile.Save(model, path, metadata, tensors);
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
            return (model, new RunResume(state, optimizerState, Meta("run.optimizer"), optimizerSteps, file.Metadata, learningRate));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
