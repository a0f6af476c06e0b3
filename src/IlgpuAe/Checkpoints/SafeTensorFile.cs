using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace IlgpuAe.Checkpoints;

/// <summary>The contents of a safetensors file: string metadata and tensors in file order.</summary>
public sealed class SafeTensorFile
{
    private readonly Dictionary<string, TensorEntry> _byName;

    /// <summary>Wraps already-validated contents; <paramref name="source"/> names the file in messages; <paramref name="verified"/> says its checksums were checked.</summary>
    public SafeTensorFile(string source, IReadOnlyDictionary<string, string> metadata, IReadOnlyList<TensorEntry> tensors, bool verified = false)
    {
        Source = source;
        Verified = verified;
        Metadata = metadata;
        Tensors = tensors;
        _byName = tensors.ToDictionary(t => t.Name);
    }

    /// <summary>Where the contents were read from, for messages.</summary>
    public string Source { get; }

    /// <summary>
    /// Whether the file carried the engine's SHA-256 record of its header and tensors and every hash matched; false for a
    /// file written by another tool (a damaged file of this engine never gets this far).
    /// </summary>
    public bool Verified { get; }

    /// <summary>The "__metadata__" section of the header, without the checksum record.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Tensors in the order of their data in the file.</summary>
    public IReadOnlyList<TensorEntry> Tensors { get; }

    /// <summary>The tensor called <paramref name="name"/>.</summary>
    /// <exception cref="IlgpuAeException">No tensor has that name.</exception>
    public TensorEntry Get(string name) => _byName.TryGetValue(name, out var t) ? t
        : throw new IlgpuAeException($"checkpoint '{Source}' has no tensor '{name}'.");

    /// <summary>The elements of the F32 tensor called <paramref name="name"/>.</summary>
    /// <exception cref="IlgpuAeException">No such tensor, or it is not F32.</exception>
    public float[] GetFloats(string name)
    {
        var t = Expect(name, DType.F32);
        var values = new float[t.Data.Length / sizeof(float)];
        if (BitConverter.IsLittleEndian)
            t.Data.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        else
            for (int i = 0; i < values.Length; i++)
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(t.Data.AsSpan(4 * i));
        return values;
    }

    /// <summary>The elements of the F64 tensor called <paramref name="name"/>.</summary>
    /// <exception cref="IlgpuAeException">No such tensor, or it is not F64.</exception>
    public double[] GetDoubles(string name)
    {
        var t = Expect(name, DType.F64);
        var values = new double[t.Data.Length / sizeof(double)];
        if (BitConverter.IsLittleEndian)
            t.Data.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        else
            for (int i = 0; i < values.Length; i++)
                values[i] = BinaryPrimitives.ReadDoubleLittleEndian(t.Data.AsSpan(8 * i));
        return values;
    }

    private TensorEntry Expect(string name, DType dtype)
    {
        var t = Get(name);
        return t.DType == dtype ? t
            : throw new IlgpuAeException($"checkpoint '{Source}' stores tensor '{name}' as {t.DType.Spelling()}, not {dtype.Spelling()}.");
    }
}
