using System.Numerics;
using IlgpuAe.Checkpoints;
using IlgpuAe.Data;
using IlgpuAe.Models;

namespace IlgpuAe.Training;

/// <summary>
/// What a run checkpoint may claim: every counter is checked against the run's own data before training resumes, so a
/// damaged or edited checkpoint is refused instead of "resuming" from a position the run could never have reached.
/// </summary>
public static class ResumeRules
{
    /// <summary>
    /// Throws <see cref="IlgpuAeException"/> unless the state in <paramref name="resume"/> (read from <paramref name="path"/>)
    /// is one a run of <paramref name="model"/> over <paramref name="trainCount"/> images in batches of <paramref name="batch"/>
    /// can reach, and training to epoch <paramref name="epochs"/> still has work to do:
    /// the epoch within 1..<see cref="RunLimits.MaxEpochs"/>+1, the batch within the epoch, the step counter equal to the
    /// batches before that position, the optimizer's steps equal to it, and the term sums one finite value per loss term.
    /// </summary>
    public static void Check<T>(string path, RunResume resume, Model<T> model, int trainCount, int batch, bool keepLastBatch, int epochs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = resume.State;
        IlgpuAeException Impossible(string what) => new($"cannot resume from {path}: {what}; the checkpoint is damaged or was edited.");
        if (s.Epoch < 1 || s.Epoch > RunLimits.MaxEpochs + 1)
            throw Impossible($"its epoch {s.Epoch} is outside 1..{RunLimits.MaxEpochs + 1}");
        int perEpoch = new Batcher(trainCount, batch, 0, dropLast: !keepLastBatch).BatchesPerEpoch;
        if (s.Batch < 0 || s.Batch > perEpoch)
            throw Impossible($"its batch position {s.Batch} is outside the {perEpoch} batches of an epoch ({trainCount} images in batches of {batch})");
        long steps = (long)(s.Epoch - 1) * perEpoch + s.Batch;
        if (s.Steps != steps)
            throw Impossible($"its step counter is {s.Steps}, but epoch {s.Epoch}, batch {s.Batch} with {perEpoch} batches per epoch is step {steps}");
        if (resume.OptimizerSteps != s.Steps)
            throw Impossible($"its optimizer has taken {resume.OptimizerSteps} steps, the run {s.Steps}");
        int terms = model.Plan(batch, training: true).TermNames.Count;
        if (s.Batch == 0 ? s.TermSums.Length != 0 : s.TermSums.Length != terms)
            throw Impossible($"it holds {s.TermSums.Length} running loss sums at batch {s.Batch} of an epoch, the model has {terms} loss terms");
        if (s.TermSums.Any(v => !double.IsFinite(v)))
            throw Impossible("its running loss sums are not all finite");
        int done = s.Epoch - 1;
        if (epochs < s.Epoch)
            throw new IlgpuAeException($"the run in {Path.GetDirectoryName(Path.GetFullPath(path))} has done {done} epoch{(done == 1 ? "" : "s")}"
                + (s.Batch > 0 ? $" and {s.Batch} batches of epoch {s.Epoch}" : "")
                + $"; training to epoch {epochs} leaves nothing to do: ask for more than {done} epochs.");
    }

    /// <summary>
    /// Why resuming the run checkpoint at <paramref name="checkpointPath"/> (with <paramref name="checkpointMetadata"/>) would
    /// overwrite a model file in <paramref name="directory"/> of another kind, configuration or seed (null when there is none,
    /// or it matches): the caller refuses unless told to overwrite it.
    /// </summary>
    public static string? ModelFileConflict(string directory, string checkpointPath, IReadOnlyDictionary<string, string> checkpointMetadata)
    {
        string path = Path.Combine(directory, "model.safetensors");
        if (!Path.Exists(path)) return null;
        SafeTensorFile model;
        try
        {
            model = SafeTensors.Read(path);
        }
        catch (IlgpuAeException e)
        {
            return $"{path} cannot be read ({e.Message.TrimEnd('.')}) and resuming would overwrite it";
        }
        string Get(IReadOnlyDictionary<string, string> m, string key) => m.TryGetValue(key, out var v) ? v : "(none)";
        var c = checkpointMetadata;
        foreach (var key in new[] { "model", "config", "seed" })
            if (Get(model.Metadata, key) != Get(c, key))
                return key == "model"
                    ? $"{checkpointPath} holds a {Get(c, "model")} model but {path} holds a {Get(model.Metadata, "model")} model, which resuming would overwrite"
                    : $"{checkpointPath} and {path} hold {Get(c, "model")} models of different {(key == "seed" ? "seeds" : "configurations")} ({Get(c, key)} and {Get(model.Metadata, key)}), and resuming would overwrite {path}";
        return null;
    }
}
