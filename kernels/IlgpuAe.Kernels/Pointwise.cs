using System.Numerics;
using ILGPU;

namespace IlgpuAe.Kernels;

/// <summary>The elementwise functions of the op vocabulary that are not activations (no fused GEMM epilogue).</summary>
public enum PointwiseFunction
{
    /// <summary>y = eˣ; f' = y.</summary>
    Exp,
    /// <summary>y = ln x (x &gt; 0); f' = 1/x.</summary>
    Log,
    /// <summary>y = |x|; f' = sign(x), 0 at 0.</summary>
    Abs,
    /// <summary>y = x²; f' = 2x.</summary>
    Square,
    /// <summary>y = √x (x ≥ 0); f' = 1/(2y).</summary>
    Sqrt,
}

/// <summary>
/// y = f(x) and dx = dy·f'(x) for a <see cref="PointwiseFunction"/>, one kernel each for every function (the function
/// is a launch argument: one branch per element, the same for every thread, so no divergence).
/// </summary>
public static class PointwiseKernels
{
    /// <summary>f(x) for function number <paramref name="f"/> (a <see cref="PointwiseFunction"/>).</summary>
    public static T Apply<T>(int f, T x) where T : unmanaged, IFloatingPointIeee754<T> => f switch
    {
        0 => T.Exp(x),
        1 => T.Log(x),
        2 => T.Abs(x),
        3 => x * x,
        _ => T.Sqrt(x),
    };

    /// <summary>f'(x), written from x and y = f(x): y, 1/x, sign(x), 2x, 1/(2y).</summary>
    public static T Derivative<T>(int f, T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => f switch
    {
        0 => y,
        1 => T.One / x,
        2 => x > T.Zero ? T.One : x < T.Zero ? -T.One : T.Zero,
        3 => x + x,
        _ => T.One / (y + y),
    };

    /// <summary>y[i] = f(x[i])</summary>
    public static void Forward<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> y, int f)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)x.Length;
        for (int s = loop.First(t); s < n; s += loop.Step)
        {
            int e = Math.Min(s + loop.Span, n);
            for (int i = s; i < e; i++) y[i] = Apply(f, x[i]);
        }
    }

    /// <summary>dx[i] = dy[i]·f'(x[i]) (+ dx[i] when beta is 1; dx is never read when beta is 0)</summary>
    public static void Backward<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> y, ArrayView<T> dy, ArrayView<T> dx, int f, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)x.Length;
        for (int s = loop.First(t); s < n; s += loop.Step)
        {
            int e = Math.Min(s + loop.Span, n);
            for (int i = s; i < e; i++)
            {
                T g = dy[i] * Derivative(f, x[i], y[i]);
                dx[i] = beta == T.Zero ? g : g + beta * dx[i];
            }
        }
    }
}

/// <summary>The double reference of <see cref="PointwiseKernels"/>, written from the textbook formulas.</summary>
public static class PointwiseReference
{
    /// <summary>f(x).</summary>
    public static double Forward(PointwiseFunction f, double x) => f switch
    {
        PointwiseFunction.Exp => Math.Exp(x),
        PointwiseFunction.Log => Math.Log(x),
        PointwiseFunction.Abs => Math.Abs(x),
        PointwiseFunction.Square => x * x,
        _ => Math.Sqrt(x),
    };

    /// <summary>f'(x).</summary>
    public static double Derivative(PointwiseFunction f, double x) => f switch
    {
        PointwiseFunction.Exp => Math.Exp(x),
        PointwiseFunction.Log => 1 / x,
        PointwiseFunction.Abs => Math.Sign(x),
        PointwiseFunction.Square => 2 * x,
        _ => 0.5 / Math.Sqrt(x),
    };
}
