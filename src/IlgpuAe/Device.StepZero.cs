using ILGPU;
using ILGPU.Runtime;

namespace IlgpuAe;

public sealed partial class Device
{
    MemoryBuffer1D<ulong, Stride1D.Dense>? _zeroStep;
    readonly Lock _zeroStepLock = new();

    /// <summary>
    /// A one-element device cell holding 0, for a random launch whose stream does not follow a step (a fixed
    /// <see cref="Kernels.StreamKey"/>): the random kernels read their step from device memory. Allocated once, freed with
    /// the accelerator, not counted in <see cref="LiveBytes"/> (it belongs to no model).
    /// </summary>
    public ArrayView<ulong> ZeroStep
    {
        get
        {
            lock (_zeroStepLock)
            {
                if (_zeroStep is null)
                {
                    _zeroStep = Accelerator.Allocate1D<ulong>(1);
                    _zeroStep.MemSetToZero();
                    Accelerator.Synchronize();
                }
                return _zeroStep.View;
            }
        }
    }
}
