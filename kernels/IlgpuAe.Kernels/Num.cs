using System.Numerics;

namespace IlgpuAe.Kernels;

/// <summary>
/// Small constants built from T.One: ILGPU cannot compile T.CreateTruncating (it reflects on
/// System.Type), so kernels never convert a double literal; anything else arrives as a T argument.
/// </summary>
public static class Num<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Two => T.One + T.One;
    public static T Half => T.One / (T.One + T.One);
}
