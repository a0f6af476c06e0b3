namespace IlgpuAe.Data;

/// <summary>
/// One array read from an IDX file (the MNIST container): the element type byte, the dimensions,
/// and the raw element bytes exactly as stored (multi-byte types are big-endian, as in the file).
/// </summary>
public sealed class IdxArray
{
    /// <summary>IDX type code: 0x08 ubyte, 0x09 sbyte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.</summary>
    public byte DataType { get; init; }

    /// <summary>Dimensions, outermost first.</summary>
    public int[] Shape { get; init; } = [];

    /// <summary>Element bytes, row-major, Shape product × element size long.</summary>
    public byte[] Data { get; init; } = [];

    /// <summary>IDX type code of unsigned bytes, the type of every MNIST-family file.</summary>
    public const byte UnsignedByte = 0x08;

    /// <summary>Bytes per element of an IDX type code, or 0 when the code is not an IDX type.</summary>
    public static int ElementSize(byte dataType) => dataType switch
    {
        0x08 or 0x09 => 1,
        0x0B => 2,
        0x0C or 0x0D => 4,
        0x0E => 8,
        _ => 0,
    };
}
