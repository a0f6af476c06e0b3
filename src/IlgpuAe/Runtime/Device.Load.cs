// One overload per kernel arity (ILGPU's loaders stop at 13), so that call sites stay one line.
using ILGPU;
using ILGPU.Runtime;

namespace IlgpuAe;

public sealed partial class Device
{
    /// <summary>Loads (once per device) an implicitly grouped kernel of 1 argument(s) after the index.</summary>
    public Action<Index1D, T1> Load<T1>(Action<Index1D, T1> kernel) where T1 : struct =>
        (Action<Index1D, T1>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
    /// <summary>Loads (once per device) an implicitly grouped kernel of 2 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2> Load<T1,T2>(Action<Index1D, T1,T2> kernel) where T1 : struct where T2 : struct =>
        (Action<Index1D, T1,T2>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
    /// <summary>Loads (once per device) an implicitly grouped kernel of 3 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3> Load<T1,T2,T3>(Action<Index1D, T1,T2,T3> kernel) where T1 : struct where T2 : struct where T3 : struct =>
        (Action<Index1D, T1,T2,T3>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
    /// <summary>Loads (once per device) an implicitly grouped kernel of 4 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4> Load<T1,T2,T3,T4>(Action<Index1D, T1,T2,T3,T4> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct =>
        (Action<Index1D, T1,T2,T3,T4>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
    /// <summary>Loads (once per device) an implicitly grouped kernel of 5 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5> Load<T1,T2,T3,T4,T5>(Action<Index1D, T1,T2,T3,T4,T5> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct =>
        (Action<Index1D, T1,T2,T3,T4,T5>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
    /// <summary>Loads (once per device) an implicitly grouped kernel of 6 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6> Load<T1,T2,T3,T4,T5,T6>(Action<Index1D, T1,T2,T3,T4,T5,T6> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct =>
        (Action<Index1D, T1,T2,T3,T4,T5,T6>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
    /// <summary>Loads (once per device) an implicitly grouped kernel of 7 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6,T7> Load<T1,T2,T3,T4,T5,T6,T7>(Action<Index1D, T1,T2,T3,T4,T5,T6,T7> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct =>
        (Action<Index1D, T1,T2,T3,T4,T5,T6,T7>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
    /// <summary>Loads (once per device) an implicitly grouped kernel of 8 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8> Load<T1,T2,T3,T4,T5,T6,T7,T8>(Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct =>
        (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
    /// <summary>Loads (once per device) an implicitly grouped kernel of 9 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9> Load<T1,T2,T3,T4,T5,T6,T7,T8,T9>(Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct =>
        (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
    /// <summary>Loads (once per device) an implicitly grouped kernel of 10 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10> Load<T1,T2,T3,T4,T5,T6,T7,T8,T9,T10>(Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct =>
        (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
    /// <summary>Loads (once per device) an implicitly grouped kernel of 11 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11> Load<T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11>(Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct =>
        (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
    /// <summary>Loads (once per device) an implicitly grouped kernel of 12 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12> Load<T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12>(Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct =>
        (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
    /// <summary>Loads (once per device) an implicitly grouped kernel of 13 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12,T13> Load<T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12,T13>(Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12,T13> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct where T13 : struct =>
        (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12,T13>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
}
