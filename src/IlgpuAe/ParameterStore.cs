using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using IlgpuAe.Kernels;

namespace IlgpuAe;

/// <summary>
/// Every parameter of a model in one flat device buffer, gradients in a second of the same
/// layout: one optimizer launch per step and one blob to checkpoint. Modules declare their
/// parameters first; <see cref="Materialize"/> then allocates and initialises them once.
/// </summary>
public sealed class ParameterStore<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly List<Parameter<T>> _parameters = [];
    readonly HashSet<string> _names = [];
    readonly List<ModelBuffer<T>> _buffers = [];
    MemoryBuffer1D<T, Stride1D.Dense>? _values;
    MemoryBuffer1D<T, Stride1D.Dense>? _grads;
    MemoryBuffer1D<T, Stride1D.Dense>? _state;
    MemoryBuffer1D<long, Stride1D.Dense>? _gate;

    /// <summary>An empty store on <paramref name="device"/>; <paramref name="seed"/> fixes every initial value.</summary>
    public ParameterStore(Device device, ulong seed)
    {
        Device = device;
        Seed = seed;
    }

    /// <summary>The device holding the flat buffers.</summary>
    public Device Device { get; }
    /// <summary>The seed of <see cref="InitialValues"/>.</summary>
    public ulong Seed { get; }
    /// <summary>Every parameter in declaration order, which is also buffer order.</summary>
    public IReadOnlyList<Parameter<T>> Parameters => _parameters;
    /// <summary>Elements of all parameters together, the length of both flat buffers.</summary>
    public long Count { get; private set; }
    /// <summary>Whether the buffers exist; after that no parameter can be declared.</summary>
    public bool IsMaterialized => _values is not null;

    /// <summary>Declares a parameter; its initial values are drawn when the store is materialized.</summary>
    public Parameter<T> Add(string name, int rows, int cols, Init init, int fanIn = 0, int fanOut = 0)
    {
        if (IsMaterialized) throw new InvalidOperationException($"parameter '{name}' declared after the store was materialized");
        if (!_names.Add(name)) throw new ArgumentException($"parameter '{name}' is declared twice");
        if (rows <= 0 || cols <= 0) throw new ArgumentException($"parameter '{name}' has an empty shape [{rows}x{cols}]");
        var p = new Parameter<T>(name, rows, cols, Count, init, fanIn, fanOut);
        _parameters.Add(p);
        Count += p.Length;
        return p;
    }

    /// <summary>
    /// Declares a buffer: model state that the forward pass itself updates and no optimizer touches (BatchNorm's running mean
    /// and variance, PyTorch's register_buffer), held in a third flat buffer beside the parameters, saved with them in model
    /// files and run checkpoints. It starts at <paramref name="fill"/> in every element.
    /// </summary>
    public ModelBuffer<T> AddBuffer(string name, int rows, int cols, double fill)
    {
        if (IsMaterialized) throw new InvalidOperationException($"buffer '{name}' declared after the store was materialized");
        if (!_names.Add(name)) throw new ArgumentException($"'{name}' is declared twice");
        if (rows <= 0 || cols <= 0) throw new ArgumentException($"buffer '{name}' has an empty shape [{rows}x{cols}]");
        var b = new ModelBuffer<T>(name, rows, cols, BufferCount, fill);
        _buffers.Add(b);
        BufferCount += b.Length;
        return b;
    }

    /// <summary>Every buffer in declaration order, which is also the order of the state buffer.</summary>
    public IReadOnlyList<ModelBuffer<T>> Buffers => _buffers;
    /// <summary>Elements of all buffers together (0 for a model without any).</summary>
    public long BufferCount { get; private set; }

    /// <summary>The slice of the state buffer holding <paramref name="b"/>; the first access materializes the store.</summary>
    public ArrayView<T> BufferOf(ModelBuffer<T> b)
    {
        Materialize();
        return _state!.View.SubView(b.Offset, b.Length);
    }

    /// <summary>Copies every buffer's values to the host in declaration order (synchronises); empty without buffers.</summary>
    public T[] DownloadBuffers()
    {
        Materialize();
        return _state is null ? [] : _state.GetAsArray1D();
    }

    /// <summary>Overwrites every buffer's values (a loaded checkpoint); ArgumentException unless exactly <see cref="BufferCount"/> values.</summary>
    public void UploadBuffers(ReadOnlySpan<T> values)
    {
        if (values.Length != BufferCount) throw new ArgumentException($"expected {BufferCount} buffer values, got {values.Length}");
        Materialize();
        _state?.View.CopyFromCPU(values.ToArray());
    }

    /// <summary>
    /// The initialisation that <see cref="Modules.Linear{T}"/> layers declared from now on use (<see cref="InitScheme.Engine"/> by default);
    /// set it before declaring them.
    /// </summary>
    public InitScheme Scheme { get; set; }

    /// <summary>A named group of <paramref name="parameters"/> (<see cref="IlgpuAeException"/> when one is not of this store, is named twice, or none is given).</summary>
    public ParameterGroup<T> Group(string name, IEnumerable<Parameter<T>> parameters) => new(this, name, parameters);

    /// <summary>
    /// A named group of every parameter whose name is one of <paramref name="prefixes"/> or starts with one of them followed by
    /// a dot ("encoder" takes "encoder.0.weight" and "encoder.conv.1.bias", not "encoderx.0.weight").
    /// </summary>
    public ParameterGroup<T> Group(string name, params string[] prefixes) =>
        new(this, name, _parameters.Where(p => prefixes.Any(x => p.Name == x || p.Name.StartsWith(x + ".", StringComparison.Ordinal))));

    /// <summary>The parameter called <paramref name="name"/>; KeyNotFoundException if none.</summary>
    public Parameter<T> this[string name] =>
        _parameters.FirstOrDefault(p => p.Name == name) ?? throw new KeyNotFoundException($"no parameter named '{name}'");

    /// <summary>Allocates the flat buffers and draws every parameter from its seeded initialiser.</summary>
    public void Materialize()
    {
        if (IsMaterialized) return;
        if (Count == 0) throw new InvalidOperationException("a model without parameters cannot be trained");
        if (Count > Training.RunLimits.MaxParameters)
            throw new IlgpuAeException($"a model of {Count:N0} parameters is more than the {Training.RunLimits.MaxParameters:N0} one model may hold");
        MemoryBudget.Require(Device, 2 * Count * System.Runtime.CompilerServices.Unsafe.SizeOf<T>(), $"the {Count:N0} parameters and their gradients");
        _values = Device.Allocate<T>(Count);
        _grads = Device.Allocate<T>(Count);
        _grads.MemSetToZero();
        _gate = Device.Allocate<long>(GateRecord.Length);
        _gate.MemSetToZero();
        Write(InitialValues());
        if (BufferCount > 0)
        {
            _state = Device.Allocate<T>(BufferCount);
            var initial = new T[BufferCount];
            foreach (var b in _buffers) initial.AsSpan((int)b.Offset, (int)b.Length).Fill(T.CreateTruncating(b.Fill));
            _state.View.CopyFromCPU(initial);
        }
    }

    /// <summary>
    /// The initial values on the host, from counter-based host random numbers (<see cref="HostRandom"/> of seed, parameter index, element):
    /// the same seed gives the same model on every backend and whatever the declaration sizes before it.
    /// </summary>
    public T[] InitialValues()
    {
        var host = new T[Count];
        for (int pi = 0; pi < _parameters.Count; pi++)
        {
            var p = _parameters[pi];
            double scale = p.Init switch
            {
                Init.Zeros => 0,
                Init.Xavier => Math.Sqrt(6.0 / Math.Max(1, p.FanIn + p.FanOut)),
                Init.He => Math.Sqrt(6.0 / Math.Max(1, p.FanIn)),
                Init.FanInUniform => 1 / Math.Sqrt(Math.Max(1, p.FanIn)),
                _ => 0,
            };
            if (p.Init == Init.Ones)
            {
                host.AsSpan((int)p.Offset, (int)p.Length).Fill(T.One);
                continue;
            }
            for (long i = 0; i < p.Length; i++)
            {
                double u = HostRandom.Uniform(Seed, (ulong)pi + 1, (ulong)i);
                host[p.Offset + i] = T.CreateTruncating((2 * u - 1) * scale);
            }
        }
        return host;
    }

    // The first read materializes: declaring is over once anyone looks at the values.
    MemoryBuffer1D<T, Stride1D.Dense> ValueBuffer { get { Materialize(); return _values!; } }
    MemoryBuffer1D<T, Stride1D.Dense> GradBuffer { get { Materialize(); return _grads!; } }

    /// <summary>The flat value buffer, [Count]; the first access materializes the store.</summary>
    public ArrayView<T> Values => ValueBuffer.View;
    /// <summary>The flat gradient buffer, same layout as <see cref="Values"/>; zero after materializing.</summary>
    public ArrayView<T> Grads => GradBuffer.View;

    /// <summary>
    /// The update gate, <see cref="GateRecord.Length"/> elements: open (all zero) while the steps are finite. The trainer's
    /// device guard (<see cref="OptimizerKernels.CheckFinite{T}"/>) shuts it at the first step whose loss terms or gradients
    /// are not finite and records that step there; the optimizers' kernels leave the parameters alone while it is shut.
    /// </summary>
    public ArrayView<long> Gate { get { Materialize(); return _gate!.View; } }

    /// <summary>Opens the gate again (after a divergence was reported, or when new values are uploaded).</summary>
    public void OpenGate()
    {
        Materialize();
        _gate!.MemSetToZero();
    }

    /// <summary>The slice of <see cref="Values"/> holding <paramref name="p"/>, row-major [Rows, Cols].</summary>
    public ArrayView<T> ValueOf(Parameter<T> p) => Values.SubView(p.Offset, p.Length);
    /// <summary>The slice of <see cref="Grads"/> holding the gradient of <paramref name="p"/>.</summary>
    public ArrayView<T> GradOf(Parameter<T> p) => Grads.SubView(p.Offset, p.Length);

    /// <summary>Copies every value to the host (synchronises).</summary>
    public T[] Download() => ValueBuffer.GetAsArray1D();
    /// <summary>Copies every gradient to the host (synchronises).</summary>
    public T[] DownloadGrads() => GradBuffer.GetAsArray1D();

    /// <summary>Overwrites every value (a loaded checkpoint); ArgumentException unless exactly <see cref="Count"/> values.</summary>
    public void Upload(ReadOnlySpan<T> values)
    {
        Write(values);
        _gate!.MemSetToZero();
        Uploaded = true;
    }

    void Write(ReadOnlySpan<T> values)
    {
        if (values.Length != Count)
            throw new ArgumentException($"expected {Count} parameter values, got {values.Length}");
        ValueBuffer.View.CopyFromCPU(values.ToArray());
    }

    /// <summary>
    /// True once <see cref="Upload"/> has overwritten the drawn initial values (a loaded checkpoint, a data-dependent
    /// initialisation): the trainer then leaves <see cref="Models.Model{T}.InitialiseFromData"/> alone, so fine-tuning a
    /// loaded model does not reset it. Writes straight into <see cref="Values"/> are not tracked.
    /// </summary>
    public bool Uploaded { get; private set; }

    /// <summary>Frees both buffers.</summary>
    public void Dispose()
    {
        _values?.Dispose();
        _grads?.Dispose();
        _state?.Dispose();
        _values = null;
        _grads = null;
        _state = null;
        _gate?.Dispose();
        _gate = null;
    }
}
