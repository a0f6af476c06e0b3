using System.Reflection;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using IlgpuAe.Kernels;
using Xunit;

namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// Every kernel of the kernels assembly compiles to PTX (sm_90) and OpenCL C on this GPU-less
/// machine, so that code which only works on the CPU accelerator fails here and not on the first
/// GPU it meets. Kernels are found by reflection, so a new kernel is covered the day it lands.
/// </summary>
public sealed class OfflineCompileTests
{
    static readonly Type[] Elements = [typeof(float), typeof(double)];

    /// <summary>One case per kernel instantiation, named so that a failure names the kernel.</summary>
    public static TheoryData<string> Kernels()
    {
        var data = new TheoryData<string>();
        foreach (var name in Instantiations().Keys) data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Kernel_compiles_for_PTX_and_OpenCL(string kernel)
    {
        var method = Instantiations()[kernel]
            ?? throw new NotSupportedException(
                $"{kernel}: the offline compile test does not know how to instantiate its type parameters; teach Instantiate");
        var entry = method.GetCustomAttribute<GroupedKernelAttribute>() is null
            ? EntryPointDescription.FromImplicitlyGroupedKernel(method)
            : EntryPointDescription.FromExplicitlyGroupedKernel(method);
        var backends = Backends.Value;

        var ptx = (PTXCompiledKernel)backends.Ptx.Compile(entry, default);
        var cl = (CLCompiledKernel)backends.Cl.Compile(entry, default);

        Assert.Contains(".entry", ptx.PTXAssembly, StringComparison.Ordinal);
        Assert.Contains("kernel", cl.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_kernel_family_is_found()
    {
        var names = Instantiations().Keys.ToList();
        foreach (var family in new[] { nameof(ElementwiseKernels), nameof(ReductionKernels), nameof(LossKernels),
                     nameof(OptimizerKernels), nameof(RandomKernels), nameof(ActivationKernels), nameof(SamplingKernels),
                     nameof(DivergenceKernels), nameof(MixtureKernels), nameof(PenaltyKernels), nameof(CorruptionKernels), nameof(Conv2dKernels) })
            Assert.Contains(names, n => n.StartsWith(family + ".", StringComparison.Ordinal));
        Assert.Contains("ActivationKernels.Forward<Single,SigmoidAct`1>", names);
    }

    sealed record Compilers(Context Context, PTXBackend Ptx, CLBackend Cl);

    // One context and one pair of backends for the whole class: building them costs more than most
    // compiles. Configured like Device's context: without EnableAlgorithms, ILGPU has no PTX or
    // OpenCL body for Exp, Log, Tanh, ... and every transcendental kernel would fail to compile.
    static readonly Lazy<Compilers> Backends = new(() =>
    {
        var ctx = Context.Create(b => b.CPU().EnableAlgorithms().Math(MathMode.Default).Optimize(OptimizationLevel.O1));
        // The CPU SIMD GEMM core and the CPU kernels' helpers are opaque to ILGPU; GPU backends get scalar bodies by redirection.
        GemmKernels.RegisterIntrinsics(ctx);
        CpuKernels.RegisterIntrinsics(ctx);
        Conv2dKernels.RegisterIntrinsics(ctx);
        var ptx = new PTXBackend(ctx, new CudaCapabilityContext(CudaArchitecture.SM_90),
            CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null);
        var cl = new CLBackend(ctx, new CLCapabilityContext(true, true, true, true, true),
            CLDeviceVendor.Nvidia, new CLCVersion(2, 0));
        return new Compilers(ctx, ptx, cl);
    });

    static Dictionary<string, MethodInfo?> Instantiations()
    {
        var assembly = typeof(Loop).Assembly;
        var activations = assembly.GetTypes()
            .Where(t => t.IsValueType && t.IsGenericTypeDefinition &&
                        t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IActivation<>)))
            .ToList();
        var result = new Dictionary<string, MethodInfo?>();
        foreach (var type in assembly.GetExportedTypes())
        foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
        {
            if (!IsKernel(method)) continue;
            var instances = Instantiate(method, activations).ToList();
            if (instances.Count == 0) result[$"{type.Name}.{method.Name}<?>"] = null; // fails by name, not the whole theory
            foreach (var m in instances)
                result[$"{type.Name}.{m.Name}{TypeArgs(m)}"] = m;
        }
        return result;
    }

    static bool IsKernel(MethodInfo m)
    {
        if (m.GetCustomAttribute<GroupedKernelAttribute>() is not null) return true;
        var p = m.GetParameters();
        return p.Length > 0 && m.ReturnType == typeof(void) &&
               (p[0].ParameterType == typeof(Index1D) || p[0].ParameterType == typeof(Index2D) ||
                p[0].ParameterType == typeof(Index3D));
    }

    static IEnumerable<MethodInfo> Instantiate(MethodInfo m, List<Type> activations)
    {
        if (!m.IsGenericMethodDefinition)
        {
            yield return m;
            yield break;
        }
        var parameters = m.GetGenericArguments();
        if (parameters.Length == 1 && IsActivationParameter(parameters[0]))
        {
            // An element-specific kernel generic only in its activation (the float SIMD GEMM core).
            var element = parameters[0].GetGenericParameterConstraints()
                .First(c => c.IsGenericType && c.GetGenericTypeDefinition() == typeof(IActivation<>)).GetGenericArguments()[0];
            foreach (var act in activations)
                yield return m.MakeGenericMethod(act.MakeGenericType(element));
            yield break;
        }
        foreach (var element in Elements)
        {
            if (parameters.Length == 1)
                yield return m.MakeGenericMethod(element);
            else if (parameters.Length == 2 && IsActivationParameter(parameters[1]))
                foreach (var act in activations)
                    yield return m.MakeGenericMethod(element, act.MakeGenericType(element));
            else
                yield break;
        }
    }

    static bool IsActivationParameter(Type p) =>
        p.GetGenericParameterConstraints().Any(c => c.IsGenericType && c.GetGenericTypeDefinition() == typeof(IActivation<>));

    static string TypeArgs(MethodInfo m) =>
        m.IsGenericMethod ? "<" + string.Join(",", m.GetGenericArguments().Select(a => a.Name)) + ">" : "";
}
