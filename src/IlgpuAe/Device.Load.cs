// One overload per kernel arity (ILGPU's loaders stop at 13), so that call sites stay one line.
using System.Collections.Concurrent;
using System.Reflection;
using ILGPU;
using ILGPU.Runtime;

namespace IlgpuAe;

public sealed partial class Device
{
    long _launches, _launcherBytes;

    /// <summary>
    /// Called before every kernel launch while set (profiling: <see cref="Graph.StepProfile"/> counts launches per
    /// kernel). Null by default, and then <c>Load</c> hands out the cached counting launcher: the hot path allocates nothing.
    /// </summary>
    public Action<MethodInfo>? OnLaunch { get; set; }

    /// <summary>
    /// Called before every kernel launch while set, with the kernel and a description of each argument (the launch
    /// index or configuration first): a device view as its buffer, offset and length, any other argument as its bytes in
    /// hexadecimal. Two launches with equal descriptions are the same launch, which is what a captured CUDA graph replays;
    /// tests compare the launches of two steps with it. Null by default (the hot path allocates nothing).
    /// </summary>
    public Action<MethodInfo, string[]>? OnLaunchArguments { get; set; }

    static string Argument<TArg>(TArg a)
    {
        if (a is IArrayView view)
        {
            const BindingFlags any = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance;
            long index = a.GetType().GetProperty("Index", any)?.GetValue(a) is long i ? i : -1;
            return $"view {view.Buffer?.NativePtr ?? 0:X}+{index}x{view.Length}";
        }
        if (!System.Runtime.CompilerServices.RuntimeHelpers.IsReferenceOrContainsReferences<TArg>())
            return Convert.ToHexString(System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(
                ref System.Runtime.CompilerServices.Unsafe.As<TArg, byte>(ref a), System.Runtime.CompilerServices.Unsafe.SizeOf<TArg>()));
        return a?.ToString() ?? "";
    }

    /// <summary>Kernel launches on this device so far (every launcher <c>Load</c> hands out counts itself).</summary>
    public long Launches => Interlocked.Read(ref _launches);

    /// <summary>
    /// Managed bytes allocated inside ILGPU's own launchers so far, on the launching threads. ILGPU's CPU accelerator
    /// allocates a task object per launch; its CUDA launcher builds the argument block on the stack and allocates none.
    /// Subtracting this from a step's allocations leaves what the engine itself allocates.
    /// </summary>
    public long LauncherBytes => Interlocked.Read(ref _launcherBytes);

    // The fast path must not allocate. C# caches the delegate of a static method group, so call sites hand the same
    // delegate each time and it keys a reference cache (comparing MethodInfos of generic methods allocates their type
    // arguments). The loading lambda lives in another method, so that no closure is made when the kernel is cached.
    readonly ConcurrentDictionary<Delegate, Delegate> _byDelegate = new(ReferenceEqualityComparer.Instance);
    const int DelegateCacheLimit = 4096; // delegates made afresh per call (capturing lambdas) must not grow it forever

    Delegate Cached(Delegate kernel, Func<Device, Delegate, Delegate> make) =>
        _byDelegate.TryGetValue(kernel, out var launcher) ? launcher : Add(kernel, make);

    Delegate Add(Delegate kernel, Func<Device, Delegate, Delegate> make)
    {
        var launcher = _kernels.GetOrAdd(kernel.Method, _ => make(this, kernel));
        if (_byDelegate.Count < DelegateCacheLimit) _byDelegate.TryAdd(kernel, launcher);
        return launcher;
    }

    long BeginLaunch()
    {
        Interlocked.Increment(ref _launches);
        return GC.GetAllocatedBytesForCurrentThread();
    }

    void EndLaunch(long before) => Interlocked.Add(ref _launcherBytes, GC.GetAllocatedBytesForCurrentThread() - before);
    /// <summary>Loads (once per device) an implicitly grouped kernel of 1 argument(s) after the index.</summary>
    public Action<Index1D, T1> Load<T1>(Action<Index1D, T1> kernel) where T1 : struct
    {
        var k = (Action<Index1D, T1>)Cached(kernel, static (d, kernel) =>
        {
            var raw = d.Accelerator.LoadAutoGroupedStreamKernel((Action<Index1D, T1>)kernel);
            return (Action<Index1D, T1>)((i, a1) =>
            {
                long before = d.BeginLaunch();
                raw(i, a1);
                d.EndLaunch(before);
            });
        });
        return OnLaunch is not null || OnLaunchArguments is not null ? Hooked(this, k, kernel.Method) : k;
    }

    // Apart from Load, so that Load makes no closure when no hook is set.
    static Action<Index1D, T1> Hooked<T1>(Device d, Action<Index1D, T1> k, MethodInfo m) =>
        (i, a1) => { d.OnLaunch?.Invoke(m); d.OnLaunchArguments?.Invoke(m, [Argument(i), Argument(a1)]); k(i, a1); };
    /// <summary>Loads (once per device) an implicitly grouped kernel of 2 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2> Load<T1,T2>(Action<Index1D, T1,T2> kernel) where T1 : struct where T2 : struct
    {
        var k = (Action<Index1D, T1,T2>)Cached(kernel, static (d, kernel) =>
        {
            var raw = d.Accelerator.LoadAutoGroupedStreamKernel((Action<Index1D, T1,T2>)kernel);
            return (Action<Index1D, T1,T2>)((i, a1, a2) =>
            {
                long before = d.BeginLaunch();
                raw(i, a1, a2);
                d.EndLaunch(before);
            });
        });
        return OnLaunch is not null || OnLaunchArguments is not null ? Hooked(this, k, kernel.Method) : k;
    }

    // Apart from Load, so that Load makes no closure when no hook is set.
    static Action<Index1D, T1,T2> Hooked<T1,T2>(Device d, Action<Index1D, T1,T2> k, MethodInfo m) =>
        (i, a1, a2) => { d.OnLaunch?.Invoke(m); d.OnLaunchArguments?.Invoke(m, [Argument(i), Argument(a1), Argument(a2)]); k(i, a1, a2); };
    /// <summary>Loads (once per device) an implicitly grouped kernel of 3 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3> Load<T1,T2,T3>(Action<Index1D, T1,T2,T3> kernel) where T1 : struct where T2 : struct where T3 : struct
    {
        var k = (Action<Index1D, T1,T2,T3>)Cached(kernel, static (d, kernel) =>
        {
            var raw = d.Accelerator.LoadAutoGroupedStreamKernel((Action<Index1D, T1,T2,T3>)kernel);
            return (Action<Index1D, T1,T2,T3>)((i, a1, a2, a3) =>
            {
                long before = d.BeginLaunch();
                raw(i, a1, a2, a3);
                d.EndLaunch(before);
            });
        });
        return OnLaunch is not null || OnLaunchArguments is not null ? Hooked(this, k, kernel.Method) : k;
    }

    // Apart from Load, so that Load makes no closure when no hook is set.
    static Action<Index1D, T1,T2,T3> Hooked<T1,T2,T3>(Device d, Action<Index1D, T1,T2,T3> k, MethodInfo m) =>
        (i, a1, a2, a3) => { d.OnLaunch?.Invoke(m); d.OnLaunchArguments?.Invoke(m, [Argument(i), Argument(a1), Argument(a2), Argument(a3)]); k(i, a1, a2, a3); };
    /// <summary>Loads (once per device) an implicitly grouped kernel of 4 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4> Load<T1,T2,T3,T4>(Action<Index1D, T1,T2,T3,T4> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct
    {
        var k = (Action<Index1D, T1,T2,T3,T4>)Cached(kernel, static (d, kernel) =>
        {
            var raw = d.Accelerator.LoadAutoGroupedStreamKernel((Action<Index1D, T1,T2,T3,T4>)kernel);
            return (Action<Index1D, T1,T2,T3,T4>)((i, a1, a2, a3, a4) =>
            {
                long before = d.BeginLaunch();
                raw(i, a1, a2, a3, a4);
                d.EndLaunch(before);
            });
        });
        return OnLaunch is not null || OnLaunchArguments is not null ? Hooked(this, k, kernel.Method) : k;
    }

    // Apart from Load, so that Load makes no closure when no hook is set.
    static Action<Index1D, T1,T2,T3,T4> Hooked<T1,T2,T3,T4>(Device d, Action<Index1D, T1,T2,T3,T4> k, MethodInfo m) =>
        (i, a1, a2, a3, a4) => { d.OnLaunch?.Invoke(m); d.OnLaunchArguments?.Invoke(m, [Argument(i), Argument(a1), Argument(a2), Argument(a3), Argument(a4)]); k(i, a1, a2, a3, a4); };
    /// <summary>Loads (once per device) an implicitly grouped kernel of 5 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5> Load<T1,T2,T3,T4,T5>(Action<Index1D, T1,T2,T3,T4,T5> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct
    {
        var k = (Action<Index1D, T1,T2,T3,T4,T5>)Cached(kernel, static (d, kernel) =>
        {
            var raw = d.Accelerator.LoadAutoGroupedStreamKernel((Action<Index1D, T1,T2,T3,T4,T5>)kernel);
            return (Action<Index1D, T1,T2,T3,T4,T5>)((i, a1, a2, a3, a4, a5) =>
            {
                long before = d.BeginLaunch();
                raw(i, a1, a2, a3, a4, a5);
                d.EndLaunch(before);
            });
        });
        return OnLaunch is not null || OnLaunchArguments is not null ? Hooked(this, k, kernel.Method) : k;
    }

    // Apart from Load, so that Load makes no closure when no hook is set.
    static Action<Index1D, T1,T2,T3,T4,T5> Hooked<T1,T2,T3,T4,T5>(Device d, Action<Index1D, T1,T2,T3,T4,T5> k, MethodInfo m) =>
        (i, a1, a2, a3, a4, a5) => { d.OnLaunch?.Invoke(m); d.OnLaunchArguments?.Invoke(m, [Argument(i), Argument(a1), Argument(a2), Argument(a3), Argument(a4), Argument(a5)]); k(i, a1, a2, a3, a4, a5); };
    /// <summary>Loads (once per device) an implicitly grouped kernel of 6 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6> Load<T1,T2,T3,T4,T5,T6>(Action<Index1D, T1,T2,T3,T4,T5,T6> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct
    {
        var k = (Action<Index1D, T1,T2,T3,T4,T5,T6>)Cached(kernel, static (d, kernel) =>
        {
            var raw = d.Accelerator.LoadAutoGroupedStreamKernel((Action<Index1D, T1,T2,T3,T4,T5,T6>)kernel);
            return (Action<Index1D, T1,T2,T3,T4,T5,T6>)((i, a1, a2, a3, a4, a5, a6) =>
            {
                long before = d.BeginLaunch();
                raw(i, a1, a2, a3, a4, a5, a6);
                d.EndLaunch(before);
            });
        });
        return OnLaunch is not null || OnLaunchArguments is not null ? Hooked(this, k, kernel.Method) : k;
    }

    // Apart from Load, so that Load makes no closure when no hook is set.
    static Action<Index1D, T1,T2,T3,T4,T5,T6> Hooked<T1,T2,T3,T4,T5,T6>(Device d, Action<Index1D, T1,T2,T3,T4,T5,T6> k, MethodInfo m) =>
        (i, a1, a2, a3, a4, a5, a6) => { d.OnLaunch?.Invoke(m); d.OnLaunchArguments?.Invoke(m, [Argument(i), Argument(a1), Argument(a2), Argument(a3), Argument(a4), Argument(a5), Argument(a6)]); k(i, a1, a2, a3, a4, a5, a6); };
    /// <summary>Loads (once per device) an implicitly grouped kernel of 7 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6,T7> Load<T1,T2,T3,T4,T5,T6,T7>(Action<Index1D, T1,T2,T3,T4,T5,T6,T7> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct
    {
        var k = (Action<Index1D, T1,T2,T3,T4,T5,T6,T7>)Cached(kernel, static (d, kernel) =>
        {
            var raw = d.Accelerator.LoadAutoGroupedStreamKernel((Action<Index1D, T1,T2,T3,T4,T5,T6,T7>)kernel);
            return (Action<Index1D, T1,T2,T3,T4,T5,T6,T7>)((i, a1, a2, a3, a4, a5, a6, a7) =>
            {
                long before = d.BeginLaunch();
                raw(i, a1, a2, a3, a4, a5, a6, a7);
                d.EndLaunch(before);
            });
        });
        return OnLaunch is not null || OnLaunchArguments is not null ? Hooked(this, k, kernel.Method) : k;
    }

    // Apart from Load, so that Load makes no closure when no hook is set.
    static Action<Index1D, T1,T2,T3,T4,T5,T6,T7> Hooked<T1,T2,T3,T4,T5,T6,T7>(Device d, Action<Index1D, T1,T2,T3,T4,T5,T6,T7> k, MethodInfo m) =>
        (i, a1, a2, a3, a4, a5, a6, a7) => { d.OnLaunch?.Invoke(m); d.OnLaunchArguments?.Invoke(m, [Argument(i), Argument(a1), Argument(a2), Argument(a3), Argument(a4), Argument(a5), Argument(a6), Argument(a7)]); k(i, a1, a2, a3, a4, a5, a6, a7); };
    /// <summary>Loads (once per device) an implicitly grouped kernel of 8 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8> Load<T1,T2,T3,T4,T5,T6,T7,T8>(Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct
    {
        var k = (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8>)Cached(kernel, static (d, kernel) =>
        {
            var raw = d.Accelerator.LoadAutoGroupedStreamKernel((Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8>)kernel);
            return (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8>)((i, a1, a2, a3, a4, a5, a6, a7, a8) =>
            {
                long before = d.BeginLaunch();
                raw(i, a1, a2, a3, a4, a5, a6, a7, a8);
                d.EndLaunch(before);
            });
        });
        return OnLaunch is not null || OnLaunchArguments is not null ? Hooked(this, k, kernel.Method) : k;
    }

    // Apart from Load, so that Load makes no closure when no hook is set.
    static Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8> Hooked<T1,T2,T3,T4,T5,T6,T7,T8>(Device d, Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8> k, MethodInfo m) =>
        (i, a1, a2, a3, a4, a5, a6, a7, a8) => { d.OnLaunch?.Invoke(m); d.OnLaunchArguments?.Invoke(m, [Argument(i), Argument(a1), Argument(a2), Argument(a3), Argument(a4), Argument(a5), Argument(a6), Argument(a7), Argument(a8)]); k(i, a1, a2, a3, a4, a5, a6, a7, a8); };
    /// <summary>Loads (once per device) an implicitly grouped kernel of 9 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9> Load<T1,T2,T3,T4,T5,T6,T7,T8,T9>(Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct
    {
        var k = (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9>)Cached(kernel, static (d, kernel) =>
        {
            var raw = d.Accelerator.LoadAutoGroupedStreamKernel((Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9>)kernel);
            return (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9>)((i, a1, a2, a3, a4, a5, a6, a7, a8, a9) =>
            {
                long before = d.BeginLaunch();
                raw(i, a1, a2, a3, a4, a5, a6, a7, a8, a9);
                d.EndLaunch(before);
            });
        });
        return OnLaunch is not null || OnLaunchArguments is not null ? Hooked(this, k, kernel.Method) : k;
    }

    // Apart from Load, so that Load makes no closure when no hook is set.
    static Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9> Hooked<T1,T2,T3,T4,T5,T6,T7,T8,T9>(Device d, Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9> k, MethodInfo m) =>
        (i, a1, a2, a3, a4, a5, a6, a7, a8, a9) => { d.OnLaunch?.Invoke(m); d.OnLaunchArguments?.Invoke(m, [Argument(i), Argument(a1), Argument(a2), Argument(a3), Argument(a4), Argument(a5), Argument(a6), Argument(a7), Argument(a8), Argument(a9)]); k(i, a1, a2, a3, a4, a5, a6, a7, a8, a9); };
    /// <summary>Loads (once per device) an implicitly grouped kernel of 10 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10> Load<T1,T2,T3,T4,T5,T6,T7,T8,T9,T10>(Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct
    {
        var k = (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10>)Cached(kernel, static (d, kernel) =>
        {
            var raw = d.Accelerator.LoadAutoGroupedStreamKernel((Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10>)kernel);
            return (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10>)((i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10) =>
            {
                long before = d.BeginLaunch();
                raw(i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10);
                d.EndLaunch(before);
            });
        });
        return OnLaunch is not null || OnLaunchArguments is not null ? Hooked(this, k, kernel.Method) : k;
    }

    // Apart from Load, so that Load makes no closure when no hook is set.
    static Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10> Hooked<T1,T2,T3,T4,T5,T6,T7,T8,T9,T10>(Device d, Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10> k, MethodInfo m) =>
        (i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10) => { d.OnLaunch?.Invoke(m); d.OnLaunchArguments?.Invoke(m, [Argument(i), Argument(a1), Argument(a2), Argument(a3), Argument(a4), Argument(a5), Argument(a6), Argument(a7), Argument(a8), Argument(a9), Argument(a10)]); k(i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10); };
    /// <summary>Loads (once per device) an implicitly grouped kernel of 11 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11> Load<T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11>(Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct
    {
        var k = (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11>)Cached(kernel, static (d, kernel) =>
        {
            var raw = d.Accelerator.LoadAutoGroupedStreamKernel((Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11>)kernel);
            return (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11>)((i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11) =>
            {
                long before = d.BeginLaunch();
                raw(i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11);
                d.EndLaunch(before);
            });
        });
        return OnLaunch is not null || OnLaunchArguments is not null ? Hooked(this, k, kernel.Method) : k;
    }

    // Apart from Load, so that Load makes no closure when no hook is set.
    static Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11> Hooked<T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11>(Device d, Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11> k, MethodInfo m) =>
        (i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11) => { d.OnLaunch?.Invoke(m); d.OnLaunchArguments?.Invoke(m, [Argument(i), Argument(a1), Argument(a2), Argument(a3), Argument(a4), Argument(a5), Argument(a6), Argument(a7), Argument(a8), Argument(a9), Argument(a10), Argument(a11)]); k(i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11); };
    /// <summary>Loads (once per device) an implicitly grouped kernel of 12 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12> Load<T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12>(Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct
    {
        var k = (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12>)Cached(kernel, static (d, kernel) =>
        {
            var raw = d.Accelerator.LoadAutoGroupedStreamKernel((Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12>)kernel);
            return (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12>)((i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12) =>
            {
                long before = d.BeginLaunch();
                raw(i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12);
                d.EndLaunch(before);
            });
        });
        return OnLaunch is not null || OnLaunchArguments is not null ? Hooked(this, k, kernel.Method) : k;
    }

    // Apart from Load, so that Load makes no closure when no hook is set.
    static Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12> Hooked<T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12>(Device d, Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12> k, MethodInfo m) =>
        (i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12) => { d.OnLaunch?.Invoke(m); d.OnLaunchArguments?.Invoke(m, [Argument(i), Argument(a1), Argument(a2), Argument(a3), Argument(a4), Argument(a5), Argument(a6), Argument(a7), Argument(a8), Argument(a9), Argument(a10), Argument(a11), Argument(a12)]); k(i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12); };
    /// <summary>Loads (once per device) an implicitly grouped kernel of 13 argument(s) after the index.</summary>
    public Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12,T13> Load<T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12,T13>(Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12,T13> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct where T13 : struct
    {
        var k = (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12,T13>)Cached(kernel, static (d, kernel) =>
        {
            var raw = d.Accelerator.LoadAutoGroupedStreamKernel((Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12,T13>)kernel);
            return (Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12,T13>)((i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13) =>
            {
                long before = d.BeginLaunch();
                raw(i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13);
                d.EndLaunch(before);
            });
        });
        return OnLaunch is not null || OnLaunchArguments is not null ? Hooked(this, k, kernel.Method) : k;
    }

    // Apart from Load, so that Load makes no closure when no hook is set.
    static Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12,T13> Hooked<T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12,T13>(Device d, Action<Index1D, T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,T12,T13> k, MethodInfo m) =>
        (i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13) => { d.OnLaunch?.Invoke(m); d.OnLaunchArguments?.Invoke(m, [Argument(i), Argument(a1), Argument(a2), Argument(a3), Argument(a4), Argument(a5), Argument(a6), Argument(a7), Argument(a8), Argument(a9), Argument(a10), Argument(a11), Argument(a12), Argument(a13)]); k(i, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13); };
}
