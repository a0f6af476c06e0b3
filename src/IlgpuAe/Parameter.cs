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
    /// <summary>U(-s, s), s = 1/sqrt(fanIn): PyTorch's default for nn.Linear, weights (kaiming_uniform with a = √5) and biases alike.</summary>
    FanInUniform,
    /// <summary>All ones (a normalisation's scale γ, as nn.BatchNorm2d and nn.GroupNorm start).</summary>
    Ones,
}

/// <summary>How <see cref="Modules.Linear{T}"/> layers declared in a store initialise themselves.</summary>
public enum InitScheme
{
    /// <summary>The engine's: He (ReLU family) or Xavier weights, zero biases.</summary>
    Engine,
    /// <summary>PyTorch's nn.Linear default: weights and biases U(±1/√fan_in) (<see cref="Init.FanInUniform"/>).</summary>
    PyTorch,
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

    /// <summary>Unique name within its store, e.g. "encoder.0.weight" (the tensor name in checkpoints).</summary>
    public string Name { get; }
    /// <summary>Rows (a weight's outputs; 1 for a bias).</summary>
    public int Rows { get; }
    /// <summary>Columns (a weight's inputs).</summary>
    public int Cols { get; }
    /// <summary>Elements, Rows·Cols.</summary>
    public long Length => (long)Rows * Cols;

    /// <summary>Position in the flat parameter (and gradient) buffer.</summary>
    public long Offset { get; }

    /// <summary>How the values are drawn when the store is materialized.</summary>
    public Init Init { get; }
    /// <summary>Inputs per unit, the scale of Xavier and He initialisation (0 when unused).</summary>
    public int FanIn { get; }
    /// <summary>Outputs per unit, used by Xavier initialisation (0 when unused).</summary>
    public int FanOut { get; }
}

/// <summary>
/// A named [Rows, Cols] slice of a store's state buffer (<see cref="ParameterStore{T}.AddBuffer"/>): values the forward pass
/// updates, such as BatchNorm's running statistics, which no gradient or optimizer touches.
/// </summary>
public sealed class ModelBuffer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal ModelBuffer(string name, int rows, int cols, long offset, double fill)
    {
        Name = name;
        Rows = rows;
        Cols = cols;
        Offset = offset;
        Fill = fill;
    }

    /// <summary>Unique name within its store, e.g. "encoder.conv.norm.0.running_mean" (the tensor name in checkpoints).</summary>
    public string Name { get; }
    /// <summary>Rows.</summary>
    public int Rows { get; }
    /// <summary>Columns.</summary>
    public int Cols { get; }
    /// <summary>Elements, Rows·Cols.</summary>
    public long Length => (long)Rows * Cols;
    /// <summary>Position in the state buffer.</summary>
    public long Offset { get; }
    /// <summary>The value every element starts at.</summary>
    public double Fill { get; }
}
