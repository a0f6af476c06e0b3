using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace IlgpuAe.Checkpoints;

/// <summary>One named tensor of a checkpoint: element type, shape, and its elements as little-endian bytes.</summary>
/// <param name="Name">Unique name within the file.</param>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Dimensions, outermost first; empty for a scalar.</param>
/// <param name="Data">Elements, row-major, little-endian; DType size × product of Shape bytes.</param>
public sealed record TensorEntry(string Name, DType DType, long[] Shape, byte[] Data)
{
    /// <summary>An F32 tensor holding a copy of <paramref name="values"/>.</summary>
    public static TensorEntry FromFloats(string name, long[] shape, ReadOnlySpan<float> values)
    {
        var data = new byte[values.Length * sizeof(float)];
        if (BitConverter.IsLittleEndian)
            MemoryMarshal.AsBytes(values).CopyTo(data);
        else
            for (int i = 0; i < values.Length; i++)
                BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4 * i), values[i]);
        return new TensorEntry(name, DType.F32, shape, data);
    }

    /// <summary>An F64 tensor holding a copy of <paramref name="values"/>.</summary>
    public static TensorEntry FromDoubles(string name, long[] shape, ReadOnlySpan<double> values)
    {
        var data = new byte[values.Length * sizeof(double)];
        if (BitConverter.IsLittleEndian)
            MemoryMarshal.AsBytes(values).CopyTo(data);
        else
            for (int i = 0; i < values.Length; i++)
                BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(8 * i), values[i]);
        return new TensorEntry(name, DType.F64, shape, data);
    }

    /// <summary>Number of elements: the product of <see cref="Shape"/>.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}
