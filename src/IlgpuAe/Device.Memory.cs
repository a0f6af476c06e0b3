using ILGPU;
using ILGPU.Runtime;

namespace IlgpuAe;

// Device memory bookkeeping: every engine buffer is allocated here, so that tests and tools can see
// that a step allocates nothing and that disposing a model gives its memory back.
public sealed partial class Device
{
    readonly List<MemoryBuffer> _buffers = [];
    readonly object _bufferLock = new();

    /// <summary>Allocates a dense device buffer of <paramref name="length"/> elements, counted in <see cref="LiveBytes"/>.</summary>
    public MemoryBuffer1D<T, Stride1D.Dense> Allocate<T>(long length) where T : unmanaged
    {
        var buffer = Accelerator.Allocate1D<T>(length);
        Track(buffer);
        return buffer;
    }

    /// <summary>Allocates a device buffer holding a copy of <paramref name="values"/>, counted in <see cref="LiveBytes"/>.</summary>
    public MemoryBuffer1D<T, Stride1D.Dense> Allocate<T>(T[] values) where T : unmanaged
    {
        var buffer = Accelerator.Allocate1D(values);
        Track(buffer);
        return buffer;
    }

    void Track(MemoryBuffer buffer)
    {
        lock (_bufferLock) _buffers.Add(buffer);
    }

    /// <summary>Bytes in engine buffers not yet disposed on this device.</summary>
    public long LiveBytes
    {
        get
        {
            lock (_bufferLock)
            {
                _buffers.RemoveAll(b => b.IsDisposed);
                return _buffers.Sum(b => b.LengthInBytes);
            }
        }
    }

    /// <summary>Engine buffers not yet disposed on this device.</summary>
    public int LiveBuffers
    {
        get
        {
            lock (_bufferLock)
            {
                _buffers.RemoveAll(b => b.IsDisposed);
                return _buffers.Count;
            }
        }
    }
}
