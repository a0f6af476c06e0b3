using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;

namespace IlgpuAe.Graph;

/// <summary>
/// A few per-step values (a step count, a learning rate, Adam's bias corrections, the terms' weights) held in device
/// memory, where the kernels read them: every launch of a steady-state step then has the same arguments, so a captured
/// CUDA graph replays the step with this step's values. The host sets the values and <see cref="Upload"/> queues their
/// copy on the stream ahead of the launches that read them, through page-locked staging where the backend has it (no wait)
/// and only when a value changed.
/// </summary>
sealed class DeviceScalars<U> : IDisposable where U : unmanaged
{
    readonly Device _device;
    readonly MemoryBuffer1D<U, Stride1D.Dense> _buffer;
    readonly U[] _values, _sent;
    readonly StagedUpload<U>? _staged;
    bool _uploaded;

    public DeviceScalars(Device device, int length)
    {
        _device = device;
        _buffer = device.Allocate<U>(Math.Max(1, length));
        _values = new U[length];
        _sent = new U[length];
        if (StagedUpload<U>.Supports(device)) _staged = new StagedUpload<U>(device, Math.Max(1, length));
    }

    /// <summary>The device copy the kernels read.</summary>
    public ArrayView<U> View => _buffer.View;

    /// <summary>The host values <see cref="Upload"/> sends.</summary>
    public Span<U> Values => _values;

    /// <summary>Sets element 0 (the usual single value).</summary>
    public void Set(U value) => _values[0] = value;

    /// <summary>Queues the copy of <see cref="Values"/> unless the device already holds them, bit for bit.</summary>
    public void Upload()
    {
        if (_values.Length == 0) return;
        var bytes = MemoryMarshal.AsBytes(_values.AsSpan());
        if (_uploaded && bytes.SequenceEqual(MemoryMarshal.AsBytes(_sent.AsSpan()))) return;
        if (_device.Capturing)
            throw new IlgpuAeException("a per-step value changed inside the captured work: it must be uploaded before the capture " +
                "and before each replay, not recorded into the graph");
        _values.CopyTo(_sent, 0);
        _uploaded = true;
        if (_staged is { } staged)
        {
            _values.CopyTo(staged.Next(_values.Length));
            staged.Send(_buffer.View.SubView(0, _values.Length));
        }
        else
        {
            _buffer.View.SubView(0, _values.Length).CopyFromCPU(_values);
            _device.CountSynchronousUpload();
        }
    }

    public void Dispose()
    {
        _staged?.Dispose();
        _buffer.Dispose();
    }
}
