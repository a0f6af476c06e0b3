using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using IlgpuAe.Models;

namespace IlgpuAe.Checkpoints;

/// <summary>
/// A model as a safetensors file: one tensor per parameter and per buffer (BatchNorm's running statistics; named as
/// declared, shaped [rows, cols]) and the model's kind and configuration in the header metadata, so that the file
/// alone rebuilds the model and Python tools can read the weights.
/// </summary>
public static class ModelFile
{
    /// <summary>The "format" metadata value of every model file this version writes and reads.</summary>
    public const string Format = "ilgpu-ae/1";

    /// <summary>Tensors under this prefix are not parameters (a run checkpoint's optimizer state); loading a model skips them.</summary>
    public const string StatePrefix = "optimizer.";

    /// <summary>
    /// Writes the model's parameters, kind, configuration, seed, dtype and training step to <paramref name="path"/> as safetensors,
    /// atomically; <paramref name="extra"/> metadata and <paramref name="extraTensors"/> (optimizer state) are added as given.
    /// <see cref="IlgpuAeException"/> for a model that would not come back as itself (<see cref="ModelCatalog.CheckSavable"/>).
    /// </summary>
    public static void Save<T>(Model<T> model, string path, IReadOnlyDictionary<string, string>? extra = null,
        IEnumerable<TensorEntry>? extraTensors = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ModelCatalog.CheckSavable(model);
        var values = model.Parameters.Download();
        var metadata = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["model"] = model.Kind,
            ["config"] = model.ConfigJson(),
            ["seed"] = model.Seed.ToString(CultureInfo.InvariantCulture),
            ["dtype"] = DTypeOf<T>().ToString(),
            ["training_step"] = model.TrainingStep.ToString(CultureInfo.InvariantCulture),
        };
        if (extra is not null)
            foreach (var (k, v) in extra) metadata[k] = v;
        var buffers = model.Parameters.DownloadBuffers();
        var tensors = model.Parameters.Parameters.Select(p => new TensorEntry(
            p.Name, DTypeOf<T>(), [p.Rows, p.Cols],
            MemoryMarshal.AsBytes(values.AsSpan((int)p.Offset, (int)p.Length)).ToArray()))
            .Concat(model.Parameters.Buffers.Select(b => new TensorEntry(
                b.Name, DTypeOf<T>(), [b.Rows, b.Cols],
                MemoryMarshal.AsBytes(buffers.AsSpan((int)b.Offset, (int)b.Length)).ToArray())));
        SafeTensors.Write(path, metadata, extraTensors is null ? tensors : tensors.Concat(extraTensors));
    }

    /// <summary>Reads a checkpoint's model and parameters; any mismatch is named in the error.</summary>
    public static Model<T> Load<T>(Device device, string path) where T : unmanaged, IFloatingPointIeee754<T> =>
        LoadWithFile<T>(device, path, out _);

    /// <summary>
    /// The model in <paramref name="path"/> as a <typeparamref name="TModel"/> (<c>ModelFile.Load&lt;Vae&lt;float&gt;&gt;</c>, or a class of your own
    /// whose kind is registered), in TModel's element type; <see cref="IlgpuAeException"/> when the file holds another model, or one of
    /// another <paramref name="kind"/> when that is given.
    /// </summary>
    public static TModel Load<TModel>(Device device, string path, string? kind = null) where TModel : class
    {
        var element = typeof(TModel);
        while (element is not null && !(element.IsGenericType && element.GetGenericTypeDefinition() == typeof(Model<>))) element = element.BaseType;
        object model = element?.GetGenericArguments()[0] switch
        {
            Type t when t == typeof(float) => Load<float>(device, path),
            Type t when t == typeof(double) => Load<double>(device, path),
            _ => throw new IlgpuAeException($"{typeof(TModel).Name} is not a Model<float> or Model<double>"),
        };
        string held = model is Model<float> f ? f.Kind : ((Model<double>)model).Kind;
        if (model is TModel typed && (kind is null || kind == held)) return typed;
        ((IDisposable)model).Dispose();
        throw new IlgpuAeException($"{path} holds a '{held}' model ({model.GetType().Name}), not {(kind is null ? typeof(TModel).Name : $"kind '{kind}'")}");
    }

    /// <summary>As <see cref="Load{T}(Device, string)"/>, also returning the header metadata (batch size, image shape).</summary>
    public static Model<T> Load<T>(Device device, string path, out IReadOnlyDictionary<string, string> metadata)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var model = LoadWithFile<T>(device, path, out SafeTensorFile file);
        metadata = file.Metadata;
        return model;
    }

    /// <summary>As <see cref="Load{T}(Device, string)"/>, also returning the whole file (for run checkpoints).</summary>
    public static Model<T> LoadWithFile<T>(Device device, string path, out SafeTensorFile file)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var read = SafeTensors.Read(path);
        file = read;
        string Meta(string key) => read.Metadata.TryGetValue(key, out var v)
            ? v : throw new IlgpuAeException($"{path} is not an IlgpuAe model: its metadata has no '{key}'");
        if (Meta("format") != Format) throw new IlgpuAeException($"{path} has format '{Meta("format")}', expected {Format}");
        ulong seed = ulong.TryParse(Meta("seed"), NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 1;
        // Declaring a model allocates nothing: its configuration is held against the file's tensors and the device's
        // free memory before the parameters are materialised.
        var model = ModelCatalog.Create<T>(device, Meta("model"), Meta("config"), seed);
        try
        {
            // Files written before the step was stored start at 0, as their runs' schedules did.
            if (read.Metadata.TryGetValue("training_step", out var stepText))
                model.TrainingStep = long.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out long step)
                    ? step : throw new IlgpuAeException($"{path}: metadata 'training_step' is not a count");
            CheckShapes(model, read, path);
            var values = new T[model.Parameters.Count];
            foreach (var p in model.Parameters.Parameters)
                ReadInto(read.Get(p.Name), values.AsSpan((int)p.Offset, (int)p.Length), path);
            model.Parameters.Upload(values);
            if (model.Parameters.BufferCount > 0)
            {
                var buffers = new T[model.Parameters.BufferCount];
                foreach (var b in model.Parameters.Buffers)
                    ReadInto(read.Get(b.Name), buffers.AsSpan((int)b.Offset, (int)b.Length), path);
                model.Parameters.UploadBuffers(buffers);
            }
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Every declared parameter and buffer has its tensor, of its shape, and the file holds no other; the size is within bounds.</summary>
    static void CheckShapes<T>(Model<T> model, SafeTensorFile read, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var names = read.Tensors.Select(t => t.Name).ToHashSet();
        var declared = model.Parameters.Parameters.Select(p => ("parameter", p.Name, p.Rows, p.Cols))
            .Concat(model.Parameters.Buffers.Select(b => ("buffer", b.Name, b.Rows, b.Cols))).ToList();
        foreach (var (what, name, rows, cols) in declared)
        {
            if (!names.Contains(name))
                throw new IlgpuAeException($"{path}: its {model.Kind} configuration declares {what} {name} [{rows}, {cols}], which the file does not hold");
            var entry = read.Get(name);
            if (entry.Shape.Length != 2 || entry.Shape[0] != rows || entry.Shape[1] != cols)
                throw new IlgpuAeException($"{path}: tensor {name} has shape [{string.Join(", ", entry.Shape)}], the model needs [{rows}, {cols}]");
        }
        var extra = names.Where(n => !n.StartsWith(StatePrefix, StringComparison.Ordinal))
            .Except(declared.Select(d => d.Item2)).ToList();
        if (extra.Count > 0) throw new IlgpuAeException($"{path} holds tensors the model does not have: {string.Join(", ", extra)}");
        if (model.Parameters.Count > Training.RunLimits.MaxParameters)
            throw new IlgpuAeException($"{path}: its {model.Kind} configuration declares {model.Parameters.Count:N0} parameters, more than the {Training.RunLimits.MaxParameters:N0} a model may hold");
    }

    static void ReadInto<T>(TensorEntry entry, Span<T> destination, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (entry.DType)
        {
            case DType.F32:
                var f = MemoryMarshal.Cast<byte, float>(entry.Data);
                for (int i = 0; i < destination.Length; i++) destination[i] = T.CreateTruncating(f[i]);
                break;
            case DType.F64:
                var d = MemoryMarshal.Cast<byte, double>(entry.Data);
                for (int i = 0; i < destination.Length; i++) destination[i] = T.CreateTruncating(d[i]);
                break;
            default:
                throw new IlgpuAeException($"{path}: tensor {entry.Name} has dtype {entry.DType}; parameters must be F32 or F64");
        }
        foreach (var v in destination)
            if (!T.IsFinite(v)) throw new IlgpuAeException($"{path}: tensor {entry.Name} holds a NaN or infinite value");
    }

    static DType DTypeOf<T>() => typeof(T) == typeof(float) ? DType.F32 : DType.F64;
}
