using System.Diagnostics;
using System.Numerics;
using ILGPU;
using ILGPU.Runtime;

namespace IlgpuAe.Graph;

/// <summary>
/// Runs one op (forward, and backward when the plan has it) on buffers of its own, each the declared length plus a
/// padding filled with a marker, before the plan is used. A kernel that writes past a declared shape changes a marker;
/// one that indexes outside its views trips ILGPU's bounds assertion on the CPU accelerator, which would otherwise end the
/// process (Trace.Assert → FailFast) and is recorded here instead. Either way the compile fails naming the op and the buffer.
/// The plan probes only ops from outside the engine's assembly: the built-in ones are held to their shapes by their tests.
/// </summary>
sealed class OpProbe<T> : Exec<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // Trace.Listeners is process-wide: one probe at a time swaps it.
    static readonly Lock Gate = new();

    readonly Device _device;
    readonly Op<T> _op;
    readonly long _pad;
    readonly ulong _seed;
    readonly Func<Node<T>, bool> _needsGrad;
    readonly Func<Op<T>, int, T> _beta;
    readonly List<(string What, long Length, MemoryBuffer1D<T, Stride1D.Dense> Buffer, T Marker)> _buffers = [];
    readonly Dictionary<Node<T>, ArrayView<T>> _values = [];
    readonly Dictionary<Node<T>, ArrayView<T>> _grads = [];
    ArrayView<T>? _scratch;
    bool _backward;

    OpProbe(Device device, Op<T> op, long pad, ulong seed, Func<Node<T>, bool> needsGrad, Func<Op<T>, int, T> beta)
    {
        _device = device;
        _op = op;
        _pad = pad;
        _seed = seed;
        _needsGrad = needsGrad;
        _beta = beta;
    }

    /// <summary>Runs <paramref name="op"/> (#<paramref name="index"/> of the forward schedule) on padded buffers; <see cref="IlgpuAeException"/> naming what it wrote past.</summary>
    public static void Check(Device device, Op<T> op, int index, bool backward, long pad, ulong seed,
        Func<Node<T>, bool> needsGrad, Func<Op<T>, int, T> beta)
    {
        var probe = new OpProbe<T>(device, op, pad, seed, needsGrad, beta);
        try
        {
            int asserts;
            lock (Gate)
            {
                var listeners = Trace.Listeners.Cast<TraceListener>().ToArray();
                var recorder = new AssertRecorder();
                Trace.Listeners.Clear();
                Trace.Listeners.Add(recorder);
                try
                {
                    op.Forward(probe);
                    device.Accelerator.Synchronize();
                    if (backward)
                    {
                        probe._backward = true;
                        probe._scratch = null;
                        op.Backward(probe);
                        device.Accelerator.Synchronize();
                    }
                }
                finally
                {
                    Trace.Listeners.Clear();
                    Trace.Listeners.AddRange(listeners);
                }
                asserts = recorder.Failures;
            }
            var overrun = probe._buffers
                .Select(b => (b.What, b.Length, Past: WrittenPast(b.Buffer, b.Length, b.Marker)))
                .Where(b => b.Past > 0).ToList();
            if (overrun.Count == 0 && asserts == 0) return;
            string where = overrun.Count > 0
                ? string.Join("; ", overrun.Select(b => $"{b.Past} element{(b.Past == 1 ? "" : "s")} past {b.What} ({b.Length} declared)"))
                : "outside the views it was given (an index past the end of an input, output or scratch)";
            throw new IlgpuAeException(
                $"op '{op.Name}' ({op.GetType().Name}, #{index} in the graph) writes {where}" +
                (asserts > 0 ? $"; ILGPU's bounds check fired {asserts} time{(asserts == 1 ? "" : "s")}" : "") +
                $": declare the shape its kernels write when adding it (g.Add(op, rows, cols) gave {op.Output}) and size its scratch " +
                "(ForwardScratch/BackwardScratch) to what they use");
        }
        finally
        {
            foreach (var b in probe._buffers) b.Buffer.Dispose();
        }
    }

    /// <summary>How far past <paramref name="length"/> the marker was overwritten (0: untouched).</summary>
    static long WrittenPast(MemoryBuffer1D<T, Stride1D.Dense> buffer, long length, T marker)
    {
        var host = buffer.GetAsArray1D();
        for (long i = host.LongLength - 1; i >= length; i--)
            if (!Same(host[i], marker)) return i - length + 1;
        return 0;
    }

    static bool Same(T a, T b) => a == b || (T.IsNaN(a) && T.IsNaN(b));

    ArrayView<T> Allocate(string what, long length, bool pattern)
    {
        // A marker of its own per buffer, so that a kernel copying one padding into another is still seen.
        var marker = T.CreateTruncating(-1.0e6 - 7.25 * _buffers.Count);
        var host = new T[length + _pad];
        for (long i = 0; i < host.LongLength; i++)
            host[i] = i < length && pattern ? T.CreateTruncating(0.25 + 0.5 * ((i * 0.6180339887) % 1.0)) : marker;
        var buffer = _device.Allocate<T>(host.LongLength);
        buffer.View.CopyFromCPU(host);
        _buffers.Add((what, length, buffer, marker));
        return buffer.View.SubView(0, length);
    }

    public override Device Device => _device;
    public override ulong Step => 0;
    public override ulong Seed => _seed;

    public override ArrayView<T> Value(Node<T> node)
    {
        if (!_values.TryGetValue(node, out var view))
            _values[node] = view = Allocate(node == _op.Output ? $"its output {node}" : $"its input {node}", node.Length, pattern: true);
        return view;
    }

    public override ArrayView<T> Grad(Node<T> node)
    {
        if (node != _op.Output && !_needsGrad(node)) throw new InvalidOperationException($"{node} has no gradient in this plan");
        if (!_grads.TryGetValue(node, out var view))
            _grads[node] = view = Allocate($"the gradient of {(node == _op.Output ? "its output" : "its input")} {node}", node.Length, pattern: true);
        return view;
    }

    public override bool NeedsGrad(Node<T> node) => _needsGrad(node);

    public override T Beta(Op<T> op, int input) => _beta(op, input);

    public override ArrayView<T> Scratch(Op<T> op)
    {
        long length = _backward ? op.BackwardScratch(_device) : op.ForwardScratch(_device);
        if (length <= 0)
            throw new IlgpuAeException($"op '{op.Name}' ({op.GetType().Name}) asked for {(_backward ? "backward" : "forward")} scratch it did not declare (override {(_backward ? "BackwardScratch" : "ForwardScratch")})");
        return _scratch ??= Allocate($"its {(_backward ? "backward" : "forward")} scratch", length, pattern: false);
    }

    /// <summary>Counts failed assertions instead of ending the process (the default listener's FailFast).</summary>
    sealed class AssertRecorder : TraceListener
    {
        int _failures;
        public int Failures => Volatile.Read(ref _failures);
        public override void Fail(string? message, string? detailMessage) => Interlocked.Increment(ref _failures);
        public override void Fail(string? message) => Interlocked.Increment(ref _failures);
        public override void Write(string? message) { }
        public override void WriteLine(string? message) { }
    }
}
