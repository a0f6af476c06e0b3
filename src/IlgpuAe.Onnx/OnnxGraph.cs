using System.Numerics;
using Google.Protobuf;
using IlgpuAe.Kernels;
using IlgpuAe.Modules;
using Onnx;

namespace IlgpuAe.Onnx;

/// <summary>
/// Writes one ONNX graph in float32, node by node: every engine layer becomes the ONNX operator that computes the
/// same formula (Gemm for x·Wᵀ + b, the activation operators by name), weights become initializers.
/// </summary>
sealed class OnnxGraph<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly GraphProto _graph;
    readonly T[] _values;
    int _next;

    public OnnxGraph(string name, T[] parameterValues)
    {
        _graph = new GraphProto { Name = name };
        _values = parameterValues;
    }

    /// <summary>A float input [batch, cols]; the batch dimension is symbolic.</summary>
    public string Input(string name, int cols)
    {
        _graph.Input.Add(ValueInfo(name, cols));
        return name;
    }

    /// <summary>Names <paramref name="value"/> as the output <paramref name="name"/> [batch, cols].</summary>
    public void Output(string name, string value, int cols)
    {
        if (value != name) Node("Identity", [value], name);
        _graph.Output.Add(ValueInfo(name, cols));
    }

    /// <summary>f(x·Wᵀ + b) for an engine layer (f from its activation and slope).</summary>
    public string Linear(string x, Linear<T> layer) =>
        Activation(Gemm(x, layer.Weight, layer.Bias), layer.Activation, layer.Slope);

    /// <summary>x·Wᵀ (+ b): ONNX Gemm with transB = 1, since W is stored [out, in] as the engine's GEMM reads it.</summary>
    public string Gemm(string x, Parameter<T> weight, Parameter<T>? bias)
    {
        var inputs = new List<string> { x, Weight(weight) };
        if (bias is not null) inputs.Add(Weight(bias, vector: true));
        return Node("Gemm", inputs, null, Int("transB", 1));
    }

    /// <summary>The engine's activation as an ONNX operator (identity adds nothing).</summary>
    public string Activation(string x, Activation f, double? slope) => f switch
    {
        IlgpuAe.Activation.Identity => x,
        IlgpuAe.Activation.Relu => Node("Relu", [x]),
        IlgpuAe.Activation.LeakyRelu => Node("LeakyRelu", [x], null, Float("alpha", slope ?? Graph.GraphBuilder<T>.DefaultSlope(f))),
        IlgpuAe.Activation.Sigmoid => Node("Sigmoid", [x]),
        IlgpuAe.Activation.Tanh => Node("Tanh", [x]),
        IlgpuAe.Activation.Softplus => Node("Softplus", [x]),
        IlgpuAe.Activation.Elu => Node("Elu", [x], null, Float("alpha", slope ?? Graph.GraphBuilder<T>.DefaultSlope(f))),
        _ => throw new IlgpuAeException($"activation {f} has no ONNX export"),
    };

    /// <summary>
    /// L from the raw factor [batch, d·d]: raw below the diagonal, softplus(raw) + floor on it, 0 above, each row a
    /// row-major d×d block (<see cref="PosteriorKernels.TriangularFactorForward{T}"/>). Where picks per entry, so a
    /// large raw value above the diagonal cannot turn into ∞·0.
    /// </summary>
    public string TriangularFactor(string raw, int dim, double floor)
    {
        var diagonal = new bool[dim * dim];
        var below = new bool[dim * dim];
        for (int i = 0; i < dim; i++)
            for (int j = 0; j < dim; j++)
            {
                diagonal[i * dim + j] = i == j;
                below[i * dim + j] = j < i;
            }
        var positive = Node("Add", [Node("Softplus", [raw]), Constant([(float)floor], [])]);
        var lower = Node("Where", [Constant(below, [1, dim * dim]), raw, Constant([0f], [])]);
        return Node("Where", [Constant(diagonal, [1, dim * dim]), positive, lower]);
    }

    public string Add(string a, string b) => Node("Add", [a, b]);

    public GraphProto Proto => _graph;

    string Weight(Parameter<T> p, bool vector = false)
    {
        var tensor = new TensorProto { Name = p.Name, DataType = (int)TensorProto.Types.DataType.Float };
        if (vector) tensor.Dims.Add(p.Length);
        else tensor.Dims.Add([p.Rows, p.Cols]);
        var data = new float[p.Length];
        for (int i = 0; i < data.Length; i++) data[i] = float.CreateTruncating(_values[p.Offset + i]);
        tensor.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
        _graph.Initializer.Add(tensor);
        return p.Name;
    }

    string Constant(float[] data, long[] dims)
    {
        var tensor = new TensorProto { Name = $"const_{_next++}", DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.Add(dims);
        tensor.FloatData.Add(data);
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    string Constant(bool[] data, long[] dims)
    {
        var tensor = new TensorProto { Name = $"const_{_next++}", DataType = (int)TensorProto.Types.DataType.Bool };
        tensor.Dims.Add(dims);
        tensor.Int32Data.Add(data.Select(b => b ? 1 : 0));
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    string Node(string op, IEnumerable<string> inputs, string? output = null, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = $"{op.ToLowerInvariant()}_{_next++}" };
        node.Input.Add(inputs);
        output ??= node.Name;
        node.Output.Add(output);
        node.Attribute.Add(attributes);
        _graph.Node.Add(node);
        return output;
    }

    static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    static AttributeProto Float(string name, double value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)value };

    static ValueInfoProto ValueInfo(string name, int cols)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = cols });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
