using System.Numerics;
using ILGPU;

namespace IlgpuAe.Kernels;

/// <summary>The activations the engine knows, named for the CLI and checkpoints.</summary>
public enum Activation
{
    /// <summary>y = x</summary>
    Identity,
    /// <summary>y = max(x, 0)</summary>
    Relu,
    /// <summary>y = x if x &gt; 0 else a·x (a the slope)</summary>
    LeakyRelu,
    /// <summary>y = 1 / (1 + e^-x)</summary>
    Sigmoid,
    /// <summary>y = tanh(x)</summary>
    Tanh,
    /// <summary>y = log(1 + e^x)</summary>
    Softplus,
    /// <summary>y = x if x &gt; 0 else a·(e^x - 1) (a the scale)</summary>
    Elu,
}

/// <summary>
/// One elementwise function y = f(x; a) and its derivative written in terms of the output y
/// alone, so that a fused GEMM epilogue need not keep the pre-activation for backward.
/// <c>a</c> is the slope of LeakyReLU and the scale of ELU (both assumed positive).
/// </summary>
public interface IActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>y = f(x; a) for one element; <c>a</c> is the slope (LeakyReLU) or scale (ELU) and ignored elsewhere.</summary>
    static abstract T Forward(T x, T a);
    /// <summary>f'(x; a) written from the output <paramref name="y"/> = f(x; a) alone, so backward needs no pre-activation.</summary>
    static abstract T Derivative(T y, T a);
}

/// <summary>y = x</summary>
public struct IdentityAct<T> : IActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>y = x</summary>
    public static T Forward(T x, T a) => x;
    /// <summary>f' = 1</summary>
    public static T Derivative(T y, T a) => T.One;
}

/// <summary>y = max(x, 0); f' = [y &gt; 0]</summary>
public struct ReluAct<T> : IActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>y = max(x, 0)</summary>
    public static T Forward(T x, T a) => x > T.Zero ? x : T.Zero;
    /// <summary>f' = [y &gt; 0]</summary>
    public static T Derivative(T y, T a) => y > T.Zero ? T.One : T.Zero;
}

/// <summary>y = x if x &gt; 0 else a·x; f' = 1 if y &gt; 0 else a</summary>
public struct LeakyReluAct<T> : IActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>y = x if x &gt; 0 else a·x</summary>
    public static T Forward(T x, T a) => x > T.Zero ? x : a * x;
    /// <summary>f' = 1 if y &gt; 0 else a</summary>
    public static T Derivative(T y, T a) => y > T.Zero ? T.One : a;
}

/// <summary>y = 1 / (1 + e^-x), evaluated without overflow on either side; f' = y(1 - y)</summary>
public struct SigmoidAct<T> : IActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>y = 1 / (1 + e^-x), through e^x for negative x so neither side overflows</summary>
    public static T Forward(T x, T a)
    {
        if (x >= T.Zero) return T.One / (T.One + T.Exp(-x));
        T e = T.Exp(x);
        return e / (T.One + e);
    }

    /// <summary>f' = y(1 - y)</summary>
    public static T Derivative(T y, T a) => y * (T.One - y);
}

/// <summary>y = tanh(x); f' = 1 - y^2</summary>
public struct TanhAct<T> : IActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>y = tanh(x)</summary>
    public static T Forward(T x, T a) => T.Tanh(x);
    /// <summary>f' = 1 - y^2</summary>
    public static T Derivative(T y, T a) => T.One - y * y;
}

/// <summary>y = log(1 + e^x) = max(x, 0) + log(1 + e^-|x|); f' = sigmoid(x) = 1 - e^-y</summary>
public struct SoftplusAct<T> : IActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>y = max(x, 0) + log(1 + e^-|x|)  (= log(1 + e^x) without overflow)</summary>
    public static T Forward(T x, T a) => (x > T.Zero ? x : T.Zero) + T.Log(T.One + T.Exp(-T.Abs(x)));
    /// <summary>f' = sigmoid(x) = 1 - e^-y</summary>
    public static T Derivative(T y, T a) => T.One - T.Exp(-y);
}

/// <summary>y = x if x &gt; 0 else a·(e^x - 1); f' = 1 if y &gt; 0 else y + a</summary>
public struct EluAct<T> : IActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>y = x if x &gt; 0 else a·(e^x - 1)</summary>
    public static T Forward(T x, T a) => x > T.Zero ? x : a * (T.Exp(x) - T.One);
    /// <summary>f' = 1 if y &gt; 0 else y + a</summary>
    public static T Derivative(T y, T a) => y > T.Zero ? T.One : y + a;
}

/// <summary>The activation kernels: written once, instantiated per function.</summary>
public static class ActivationKernels
{
    /// <summary>y[i] = f(x[i]; a)</summary>
    public static void Forward<T, TAct>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> y, T a)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TAct : struct, IActivation<T>
    {
        int n = (int)x.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
        {
            int e = Math.Min(b + loop.Span, n);
            for (int i = b; i < e; i++) y[i] = TAct.Forward(x[i], a);
        }
    }

    /// <summary>dx[i] = beta·dx[i] + dy[i]·f'(y[i]; a); beta 0 overwrites (and never reads dx), 1 accumulates.</summary>
    public static void Backward<T, TAct>(Index1D t, Loop loop, ArrayView<T> y,
        ArrayView<T> dy, ArrayView<T> dx, T a, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TAct : struct, IActivation<T>
    {
        int n = (int)y.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
        {
            int e = Math.Min(b + loop.Span, n);
            for (int i = b; i < e; i++)
            {
                T g = dy[i] * TAct.Derivative(y[i], a);
                dx[i] = beta == T.Zero ? g : beta * dx[i] + g;
            }
        }
    }
}

/// <summary>Plain double-precision reference of every activation, written from x (not y) so that it checks the kernels' y-form.</summary>
public static class ActivationReference
{
    /// <summary>f(x; a) in double, the textbook formula; throws <see cref="ArgumentOutOfRangeException"/> for an unknown <paramref name="f"/>.</summary>
    public static double Forward(Activation f, double x, double a) => f switch
    {
        Activation.Identity => x,
        Activation.Relu => Math.Max(x, 0),
        Activation.LeakyRelu => x > 0 ? x : a * x,
        Activation.Sigmoid => 1 / (1 + Math.Exp(-x)),
        Activation.Tanh => Math.Tanh(x),
        Activation.Softplus => Math.Log(1 + Math.Exp(x)),
        Activation.Elu => x > 0 ? x : a * (Math.Exp(x) - 1),
        _ => throw new ArgumentOutOfRangeException(nameof(f)),
    };

    /// <summary>f'(x; a) in double, from the input x (not the output y, unlike <see cref="IActivation{T}.Derivative"/>); throws <see cref="ArgumentOutOfRangeException"/> for an unknown <paramref name="f"/>.</summary>
    public static double Derivative(Activation f, double x, double a) => f switch
    {
        Activation.Identity => 1,
        Activation.Relu => x > 0 ? 1 : 0,
        Activation.LeakyRelu => x > 0 ? 1 : a,
        Activation.Sigmoid => Math.Exp(-x) / Math.Pow(1 + Math.Exp(-x), 2),
        Activation.Tanh => 1 - Math.Pow(Math.Tanh(x), 2),
        Activation.Softplus => 1 / (1 + Math.Exp(-x)),
        Activation.Elu => x > 0 ? 1 : a * Math.Exp(x),
        _ => throw new ArgumentOutOfRangeException(nameof(f)),
    };
}
