namespace IlgpuAe.Kernels;

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

/// <summary>
/// Host code generic in one activation struct: <see cref="ActivationMap.Visit{T, TVisitor}"/> calls
/// <see cref="Visit{TAct}"/> with the struct an <see cref="Activation"/> names (a launcher, say, that loads
/// <c>Kernel&lt;T, TAct&gt;</c>), so that the map from the enum to its struct is written once.
/// </summary>
public interface IActivationVisitor<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The work, for the activation struct <typeparamref name="TAct"/>.</summary>
    void Visit<TAct>() where TAct : struct, IActivation<T>;
}

/// <summary>
/// The one map from <see cref="Activation"/> to its struct: <see cref="Visit{T, TVisitor}"/> on the host (for kernels
/// generic in the activation), <see cref="Forward{T}"/> and <see cref="Derivative{T}"/> inside kernels that take the
/// activation as an int (its enum value), where one instantiation serves every activation.
/// </summary>
public static class ActivationMap
{
    /// <summary>Calls <paramref name="visitor"/> with the struct <paramref name="f"/> names; <see cref="ArgumentOutOfRangeException"/> for an unknown value.</summary>
    public static void Visit<T, TVisitor>(Activation f, TVisitor visitor)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TVisitor : IActivationVisitor<T>
    {
        switch (f)
        {
            case Activation.Identity: visitor.Visit<IdentityAct<T>>(); break;
            case Activation.Relu: visitor.Visit<ReluAct<T>>(); break;
            case Activation.LeakyRelu: visitor.Visit<LeakyReluAct<T>>(); break;
            case Activation.Sigmoid: visitor.Visit<SigmoidAct<T>>(); break;
            case Activation.Tanh: visitor.Visit<TanhAct<T>>(); break;
            case Activation.Softplus: visitor.Visit<SoftplusAct<T>>(); break;
            case Activation.Elu: visitor.Visit<EluAct<T>>(); break;
            default: throw new ArgumentOutOfRangeException(nameof(f), f, "unknown activation");
        }
    }

    /// <summary>f(x; a) of the activation numbered <paramref name="activation"/> (an <see cref="Activation"/> value; any other number is the identity).</summary>
    public static T Forward<T>(int activation, T x, T a) where T : unmanaged, IFloatingPointIeee754<T> => activation switch
    {
        (int)Activation.Relu => ReluAct<T>.Forward(x, a),
        (int)Activation.LeakyRelu => LeakyReluAct<T>.Forward(x, a),
        (int)Activation.Sigmoid => SigmoidAct<T>.Forward(x, a),
        (int)Activation.Tanh => TanhAct<T>.Forward(x, a),
        (int)Activation.Softplus => SoftplusAct<T>.Forward(x, a),
        (int)Activation.Elu => EluAct<T>.Forward(x, a),
        _ => IdentityAct<T>.Forward(x, a),
    };

    /// <summary>f'(y; a) of the activation numbered <paramref name="activation"/>, written from the output as in <see cref="IActivation{T}.Derivative"/>.</summary>
    public static T Derivative<T>(int activation, T y, T a) where T : unmanaged, IFloatingPointIeee754<T> => activation switch
    {
        (int)Activation.Relu => ReluAct<T>.Derivative(y, a),
        (int)Activation.LeakyRelu => LeakyReluAct<T>.Derivative(y, a),
        (int)Activation.Sigmoid => SigmoidAct<T>.Derivative(y, a),
        (int)Activation.Tanh => TanhAct<T>.Derivative(y, a),
        (int)Activation.Softplus => SoftplusAct<T>.Derivative(y, a),
        (int)Activation.Elu => EluAct<T>.Derivative(y, a),
        _ => IdentityAct<T>.Derivative(y, a),
    };
}

/// <summary>The activation kernels: written once, instantiated per function.</summary>
public static partial class ActivationKernels
{
    /// <summary>y[i] = f(x[i]; a)</summary>
    public static void Forward<T, TAct>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> y, T a)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TAct : struct, IActivation<T>
    {
        int n = (int)x.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++) y[i] = TAct.Forward(x[i], a);
    }

    /// <summary>dx[i] = beta·dx[i] + dy[i]·f'(y[i]; a); beta 0 overwrites (and never reads dx), 1 accumulates.</summary>
    public static void Backward<T, TAct>(Index1D t, Loop loop, ArrayView<T> y,
        ArrayView<T> dy, ArrayView<T> dx, T a, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TAct : struct, IActivation<T>
    {
        int n = (int)y.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
                Beta.Blend(dx, i, beta, dy[i] * TAct.Derivative(y[i], a));
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
