// One overload per kernel arity (ILGPU's loaders stop at 13), so that call sites stay one line.
using System.Reflection;
using ILGPU;
using ILGPU.Runtime;

namespace IlgpuAe;

public sealed partial class Device
{
    /// <summary>
    /// Called before every kernel launch while set (profiling: <see cref="Graph.StepProfile"/> counts launches per
    /// kernel). Null by default, and then <c>Load</c> hands out ILGPU's own launcher: the hot path has no extra call.
    /// </summary>
    public Action<MethodInfo>? OnLaunch { get; set; }

    /// <summary>Loads (once per device) an implicitly grouped kernel of 1 argument(s) after the index.</summary>
    public Action<Index1D, T1> Load<T1>(Action<Index1D, T1> kernel) where T1 : struct
    {
        var k = (Action<Index1D, T1>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
        if (OnLaunch is not { } hook) return k;
        var m = kernel.Method;
        return (i, a1) => { hook(m); k(i, a1); };
    }
    /// <summary>Loads (once per device) an implicitly grouped kernel of 2 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2> Load<T1,T2>(Action<Index1D, T1,T2> kernel) where T1 : struct where T2 : struct
    {
        var k = (Action<Index1D, T1,T2>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
        if (OnLaunch is not { } hook) return k;
        var m = kernel.Method;
        return (i, a1, a2) => { hook(m); k(i, a1, a2); };
    }
    /// <summary>Loads (once per device) an implicitly grouped kernel of 3 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3> Load<T1,T2,T3>(Action<Index1D, T1,T2,T3> kernel) where T1 : struct where T2 : struct where T3 : struct
    {
        var k = (Action<Index1D, T1,T2,T3>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
        if (OnLaunch is not { } hook) return k;
        var m = kernel.Method;
        return (i, a1, a2, a3) => { hook(m); k(i, a1, a2, a3); };
    }
    /// <summary>Loads (once per device) an implicitly grouped kernel of 4 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4> Load<T1,T2,T3,T4>(Action<Index1D, T1,T2,T3,T4> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct
    {
        var k = (Action<Index1D, T1,T2,T3,T4>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
        if (OnLaunch is not { } hook) return k;
        var m = kernel.Method;
        return (i, a1, a2, a3, a4) => { hook(m); k(i, a1, a2, a3, a4); };
    }
    /// <summary>Loads (once per device) an implicitly grouped kernel of 5 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5> Load<T1,T2,T3,T4,T5>(Action<Index1D, T1,T2,T3,T4,T5> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct
    {
        var k = (Action<Index1D, T1,T2,T3,T4,T5>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
        if (OnLaunch is not { } hook) return k;
        var m = kernel.Method;
        return (i, a1, a2, a3, a4, a5) => { hook(m); k(i, a1, a2, a3, a4, a5); };
    }
    /// <summary>Loads (once per device) an implicitly grouped kernel of 6 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6> Load<T1,T2,T3,T4,T5,T6>(Action<Index1D, T1,T2,T3,T4,T5,T6> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct
    {
        var k = (Action<Index1D, T1,T2,T3,T4,T5,T6>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
        if (OnLaunch is not { } hook) return k;
        var m = kernel.Method;
        return (i, a1, a2, a3, a4, a5, a6) => { hook(m); k(i, a1, a2, a3, a4, a5, a6); };
    }
    /// <summary>Loads (once per device) an implicitly grouped kernel of 7 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6,T7> Load<T1,T2,T3,T4,T5,T6,T7>(Action<Index1D, T1,T2,T3,T4,T5,T6,T7> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct
    {
        var k = (Action<Index1D, T1,T2,T3,T4,T5,T6,T7>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
        if (OnLaunch is not { } hook) return k;
        var m = kernel.Method;
        return (i, a1, a2, a3, a4, a5, a6, a7) => { hook(m); k(i, a1, a2, a3, a4, a5, a6, a7); };
    }
    /// <summary>Loads (once per device) an implicitly grouped kernel of 8 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8> Load<T1,T2,T3,T4,T5,T6,T7,T8>(Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct
    {
        var k = (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
        if (OnLaunch is not { } hook) return k;
        var m = kernel.Method;
        return (i, a1, a2, a3, a4, a5, a6, a7, a8) => { hook(m); k(i, a1, a2, a3, a4, a5, a6, a7, a8); };
    }
    /// <summary>Loads (once per device) an implicitly grouped kernel of 9 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9> Load<T1,T2,T3,T4,T5,T6,T7,T8,T9>(Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct
    {
        var k = (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
        if (OnLaunch is not { } hook) return k;
        var m = kernel.Method;
        return (i, a1, a2, a3, a4, a5, a6, a7, a8, a9) => { hook(m); k(i, a1, a2, a3, a4, a5, a6, a7, a8, a9); };
    }
    /// <summary>Loads (once per device) an implicitly grouped kernel of 10 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10> Load<T1,T2,T3,T4,T5,T6,T7,T8,T9,T10>(Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct
    {
        var k = (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
        if (OnLaunch is not { } hook) return k;
        var m = kernel.Method;
        return (i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10) => { hook(m); k(i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10); };
    }
    /// <summary>Loads (once per device) an implicitly grouped kernel of 11 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11> Load<T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11>(Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct
    {
        var k = (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
        if (OnLaunch is not { } hook) return k;
        var m = kernel.Method;
        return (i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11) => { hook(m); k(i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11); };
    }
    /// <summary>Loads (once per device) an implicitly grouped kernel of 12 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12> Load<T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12>(Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct
    {
        var k = (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
        if (OnLaunch is not { } hook) return k;
        var m = kernel.Method;
        return (i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12) => { hook(m); k(i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12); };
    }
    /// <summary>Loads (once per device) an implicitly grouped kernel of 13 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12,T13> Load<T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12,T13>(Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12,T13> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct where T13 : struct
    {
        var k = (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12,T13>)_kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
        if (OnLaunch is not { } hook) return k;
        var m = kernel.Method;
        return (i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13) => { hook(m); k(i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13); };
    }
}
