namespace IlgpuAe.Kernels;

/// <summary>
/// The write every backward kernel ends with. beta 0 overwrites and never reads dst (a fresh buffer may hold NaN);
/// beta 1 accumulates into what an earlier op wrote there (a node read by several ops).
/// </summary>
public static class Beta
{
    /// <summary>dst[i] = v where beta is 0, else beta·dst[i] + v.</summary>
    public static void Blend<T>(ArrayView<T> dst, long i, T beta, T v) where T : unmanaged, IFloatingPointIeee754<T> =>
        dst[i] = beta == T.Zero ? v : beta * dst[i] + v;
}
