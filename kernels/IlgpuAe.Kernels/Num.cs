namespace IlgpuAe.Kernels;

/// <summary>
/// Small constants built from T.One: ILGPU cannot compile T.CreateTruncating (it reflects on
/// System.Type), so kernels never convert a double literal; anything else arrives as a T argument.
/// </summary>
public static class Num<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>2, as T.One + T.One.</summary>
    public static T Two => T.One + T.One;
    /// <summary>½, as T.One / (T.One + T.One).</summary>
    public static T Half => T.One / (T.One + T.One);

    /// <summary>
    /// Neither NaN nor ±∞. Written as a comparison because NaN compares false with anything:
    /// it needs no bit tricks (T.IsFinite reads the bits through BitConverter) and no x − x,
    /// which an optimizer could fold to zero.
    /// </summary>
    public static bool IsFinite(T x) => T.Abs(x) < T.PositiveInfinity;

    /// <summary>NaN: the one value that is not ≤ +∞ (a comparison, for the same reasons as <see cref="IsFinite"/>).</summary>
    public static bool IsNaN(T x) => !(T.Abs(x) <= T.PositiveInfinity);

    /// <summary>log(2π), the constant of every Gaussian log-density.</summary>
    public static T Log2Pi => T.Log(Two * T.Pi);
}
