namespace IlgpuAe.Kernels;

/// <summary>
/// Marks an explicitly grouped kernel (one that uses shared memory or barriers and is launched
/// with a grid and group size of its own choosing). Every other public static method whose first
/// parameter is an ILGPU index is an implicitly grouped kernel. The offline compile test relies on
/// this marker to pick the right entry-point description for each kernel.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class GroupedKernelAttribute : Attribute;
