using IlgpuAe.Ops;

namespace IlgpuAe.Perf;

/// <summary>
/// The pointwise functions (exp, log, sqrt forward; exp backward) over a [Rows, 400] buffer, against its memory copy.
/// Memory-bound like the activations: exp and log should stay within a small factor of the copy, their cost being the
/// transcendental per element. Inputs lie in [0.1, 1.1), inside the domain of log and sqrt.
/// </summary>
public class PointwiseBenchmarks : DeviceBenchmark
{
    MemoryBuffer1D<float, Stride1D.Dense> _x = null!, _y = null!, _dy = null!, _dx = null!;

    protected override void Prepare() =>
        (_x, _y, _dy, _dx) = (Random(N, 1, 0.1, 1.1), Buffer(N), Random(N, 2, 0.1, 1.1), Buffer(N));

    [Benchmark(Description = "y = exp(x)")]
    public void ExpForward()
    {
        PointwiseOp<float>.LaunchForward(Device, PointwiseFunction.Exp, _x.View, _y.View);
        Device.Synchronize();
    }

    [Benchmark(Description = "dx = dy·y (exp)")]
    public void ExpBackward()
    {
        PointwiseOp<float>.LaunchBackward(Device, PointwiseFunction.Exp, _x.View, _y.View, _dy.View, _dx.View, 0f);
        Device.Synchronize();
    }

    [Benchmark(Description = "y = ln x")]
    public void LogForward()
    {
        PointwiseOp<float>.LaunchForward(Device, PointwiseFunction.Log, _x.View, _y.View);
        Device.Synchronize();
    }

    [Benchmark(Description = "y = sqrt x")]
    public void SqrtForward()
    {
        PointwiseOp<float>.LaunchForward(Device, PointwiseFunction.Sqrt, _x.View, _y.View);
        Device.Synchronize();
    }
}
