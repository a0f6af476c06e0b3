using System.Numerics;
using IlgpuAe.Graph;

namespace IlgpuAe;

/// <summary>How a parameter starts.</summary>
public enum Init
{
    /// <summary>All zeros (biases).</summary>
    Zeros,
    /// <summary>Glorot/Xavier uniform: U(-s, s), s = sqrt(6 / (fanIn + fanOut)); for sigmoid/tanh/linear layers.</summary>
    Xavier,
    /// <summary>He/Kaiming uniform: U(-s, s), s = sqrt(6 / fanIn); for ReLU-family layers.</summary>
    He,
}

/// <summary>A named [Rows, Cols] slice of the flat parameter buffer.</summary>
public sealed class Parameter<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal Parameter(string name, int rows, int cols, long offset, Init init, int fanIn, int fanOut)
    {
        Name = name;
        Rows = rows;
        Cols = cols;
        Offset = offset;
        Init = init;
        FanIn = fanIn;
        FanOut = fanOut;
    }

    public string Name { get; }
    public int Rows { get; }
    public int Cols { get; }
    public long Length => (long)Rows * Cols;

    /// <summary>Position in the flat parameter (and gradient) buffer.</summary>
    public long Offset { get; }

    public Init Init { get; }
    public int FanIn { get; }
    public int FanOut { get; }
}
