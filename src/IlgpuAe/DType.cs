namespace IlgpuAe;

/// <summary>Element types a checkpoint tensor may hold, spelled in the file as "F32", "F64", "U8", "I64".</summary>
public enum DType
{
    /// <summary>IEEE 754 single precision, 4 bytes.</summary>
    F32,
    /// <summary>IEEE 754 double precision, 8 bytes.</summary>
    F64,
    /// <summary>Unsigned byte (images, labels).</summary>
    U8,
    /// <summary>Signed 64-bit integer, little-endian.</summary>
    I64,
}

/// <summary>Sizes and safetensors spellings of <see cref="DType"/>.</summary>
public static class DTypes
{
    /// <summary>Bytes per element.</summary>
    public static int Size(this DType dtype) => dtype switch
    {
        DType.F32 => 4,
        DType.F64 => 8,
        DType.U8 => 1,
        DType.I64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>The name the safetensors header uses.</summary>
    public static string Spelling(this DType dtype) => dtype switch
    {
        DType.F32 => "F32",
        DType.F64 => "F64",
        DType.U8 => "U8",
        DType.I64 => "I64",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>Parses a header spelling; false for any dtype this engine does not store.</summary>
    public static bool TryParse(string spelling, out DType dtype)
    {
        switch (spelling)
        {
            case "F32": dtype = DType.F32; return true;
            case "F64": dtype = DType.F64; return true;
            case "U8": dtype = DType.U8; return true;
            case "I64": dtype = DType.I64; return true;
            default: dtype = default; return false;
        }
    }
}
