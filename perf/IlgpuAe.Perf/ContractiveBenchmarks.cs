namespace IlgpuAe.Perf;

/// <summary>
/// The contractive penalty of a 784-400 sigmoid encoder at batch Rows: the weight row norms and their backward, the fused
/// penalty ‖∂h/∂x‖²_F = Σ_j f'(h_j)²·‖W_j‖² per row and its two gradients (to h and to the norms).
/// </summary>
public class ContractiveBenchmarks : DeviceBenchmark
{
    const int Inputs = 784;
    MemoryBuffer1D<float, Stride1D.Dense> _w = null!, _norms = null!, _dNorms = null!, _dW = null!, _h = null!, _penalty = null!, _g = null!, _dH = null!;

    protected override void Prepare()
    {
        (_w, _norms, _dNorms, _dW) = (Random(Cols * Inputs, 1), Buffer(Cols), Random(Cols, 2), Buffer(Cols * Inputs));
        (_h, _penalty, _g, _dH) = (Random(N, 3, 0.05, 0.95), Buffer(Rows), Random(1, 4), Buffer(N));
    }

    [Benchmark(Description = "w_j = Σ_i W[j,i]², W [400, 784]")]
    public void WeightNorms()
    {
        var loop = LoopFor(Cols);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, int>(ContractiveKernels.WeightNorms)(loop.Threads, loop, _w.View, _norms.View, Inputs);
        Device.Synchronize();
    }

    [Benchmark(Description = "dW = 2·W·dw_j")]
    public void WeightNormsBackward()
    {
        var loop = LoopFor(Cols * Inputs);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(ContractiveKernels.WeightNormsBackward)(
            loop.Threads, loop, _w.View, _dNorms.View, _dW.View, Inputs, 0f);
        Device.Synchronize();
    }

    [Benchmark(Description = "penalty_r = Σ_j f'(h)²·w_j (sigmoid)")]
    public void FusedForward()
    {
        var loop = LoopFor(Rows);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>(ContractiveKernels.FusedForward)(
            loop.Threads, loop, _h.View, _norms.View, _penalty.View, Cols, (int)Activation.Sigmoid, 0f);
        Device.Synchronize();
    }

    [Benchmark(Description = "dh = g·2f'(h)·c(h)·w_j")]
    public void FusedBackward()
    {
        var loop = LoopFor(N);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float, float, float>(ContractiveKernels.FusedBackward)(
            loop.Threads, loop, _h.View, _norms.View, _g.View, _dH.View, Cols, (int)Activation.Sigmoid, 0f, 1f / Rows, 0f);
        Device.Synchronize();
    }

    [Benchmark(Description = "dw_j = g·Σ_r f'(h[r,j])²")]
    public void FusedNormBackward()
    {
        var loop = LoopFor(Cols);
        Device.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float, float, float>(ContractiveKernels.FusedNormBackward)(
            loop.Threads, loop, _h.View, _g.View, _dNorms.View, Rows, (int)Activation.Sigmoid, 0f, 1f / Rows, 0f);
        Device.Synchronize();
    }
}
