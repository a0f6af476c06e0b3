using ILGPU.IR.Intrinsics;
using static IlgpuAe.Kernels.CpuIntrinsics;

namespace IlgpuAe.Kernels;

// The CPU-accelerator bodies of the activation kernels (see CpuIntrinsics): one float kernel for every activation,
// named by its enum value, with vector bodies for the common ones.
public static partial class ActivationKernels
{
    /// <summary>y[i] = f(x[i]; a), f named by <paramref name="activation"/> (an <see cref="Activation"/> value)</summary>
    public static void CpuForward(Index1D t, Loop loop, ArrayView<float> x, ArrayView<float> y, float a, int activation)
    {
        int n = (int)x.Length;
        for (int b = loop.First(t); b < n; b += loop.Step) ForwardRun(x, y, a, activation, b, loop.End(b, n));
    }

    /// <summary>dx[i] = beta·dx[i] + dy[i]·f'(y[i]; a), f named by <paramref name="activation"/> (an <see cref="Activation"/> value)</summary>
    public static void CpuBackward(Index1D t, Loop loop, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx,
        float a, float beta, int activation)
    {
        int n = (int)y.Length;
        for (int b = loop.First(t); b < n; b += loop.Step) BackwardRun(y, dy, dx, a, beta, activation, b, loop.End(b, n));
    }

    /// <summary>Activation forward on elements [start, end); on the CPU the vectorised .NET body, elsewhere <see cref="ForwardRunScalar"/>.</summary>
    [IntrinsicImplementation]
    public static void ForwardRun(ArrayView<float> x, ArrayView<float> y, float a, int activation, int start, int end) =>
        CpuBodies.Forward(x, y, a, activation, start, end);

    /// <summary>dx[i] = beta·dx[i] + dy[i]·f'(y[i]; a) over [start, end); on the CPU the vectorised .NET body, elsewhere <see cref="BackwardRunScalar"/>.</summary>
    [IntrinsicImplementation]
    public static void BackwardRun(ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, float a, float beta,
        int activation, int start, int end) =>
        CpuBodies.Backward(y, dy, dx, a, beta, activation, start, end);

    /// <summary>The one-element-at-a-time twin of <see cref="ForwardRun"/> that PTX and OpenCL compile.</summary>
    public static void ForwardRunScalar(ArrayView<float> x, ArrayView<float> y, float a, int activation, int start, int end)
    {
        for (int i = start; i < end; i++) y[i] = ActivationMap.Forward(activation, x[i], a);
    }

    /// <summary>The one-element-at-a-time twin of <see cref="BackwardRun"/> that PTX and OpenCL compile.</summary>
    public static void BackwardRunScalar(ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, float a, float beta,
        int activation, int start, int end)
    {
        for (int i = start; i < end; i++) Beta.Blend(dx, i, beta, dy[i] * ActivationMap.Derivative(activation, y[i], a));
    }

    internal static void RegisterCpuTwins(ILGPU.Context context)
    {
        Redirect(context, typeof(ActivationKernels), nameof(ForwardRun), nameof(ForwardRunScalar));
        Redirect(context, typeof(ActivationKernels), nameof(BackwardRun), nameof(BackwardRunScalar));
    }

    // The ordinary .NET bodies behind the helpers; never seen by ILGPU's compiler.
    static unsafe class CpuBodies
    {
        public static void Forward(ArrayView<float> xv, ArrayView<float> yv, float a, int activation, int start, int end)
        {
            if (end <= start) return;
            float* x = Ptr(xv), y = Ptr(yv);
            int i = start;
            var va = new Vector<float>(a);
            if (activation is (int)Activation.Identity or (int)Activation.Relu or (int)Activation.LeakyRelu or (int)Activation.Sigmoid)
                for (; i <= end - W; i += W)
                {
                    var v = Vector.Load(x + i);
                    var positive = Vector.GreaterThan(v, Vector<float>.Zero);
                    // Selects, as in the GEMM epilogue: NaN maps to 0 under ReLU and stays NaN under LeakyReLU, as the scalar forms do.
                    if (activation == (int)Activation.Relu) v = Vector.ConditionalSelect(positive, v, Vector<float>.Zero);
                    else if (activation == (int)Activation.LeakyRelu) v = Vector.ConditionalSelect(positive, v, va * v);
                    else if (activation == (int)Activation.Sigmoid)
                    {
                        // 1/(1 + e^-|x|) for x >= 0 and e^-|x|/(1 + e^-|x|) below: e^-|x| never overflows.
                        var e = Vector.Exp(-Vector.Abs(v));
                        var r = Vector<float>.One / (Vector<float>.One + e);
                        v = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(v, Vector<float>.Zero), r, e * r);
                    }
                    v.Store(y + i);
                }
            for (; i < end; i++) y[i] = ActivationMap.Forward(activation, x[i], a);
        }

        public static void Backward(ArrayView<float> yv, ArrayView<float> dyv, ArrayView<float> dxv, float a, float beta,
            int activation, int start, int end)
        {
            if (end <= start) return;
            float* y = Ptr(yv), dy = Ptr(dyv), dx = Ptr(dxv);
            int i = start;
            if (activation is (int)Activation.Relu or (int)Activation.Identity or (int)Activation.Sigmoid or (int)Activation.Tanh)
                for (; i <= end - W; i += W)
                {
                    var g = Vector.Load(dy + i);
                    var yy = Vector.Load(y + i);
                    // dy·[y > 0] as a select, which also keeps NaN in dy where y > 0, like dy·1.
                    if (activation == (int)Activation.Relu) g = Vector.ConditionalSelect(Vector.GreaterThan(yy, Vector<float>.Zero), g, Vector<float>.Zero);
                    else if (activation == (int)Activation.Sigmoid) g *= yy * (Vector<float>.One - yy); // as SigmoidAct.Derivative
                    else if (activation == (int)Activation.Tanh) g *= Vector<float>.One - yy * yy;         // as TanhAct.Derivative
                    Blend(dx + i, beta, g);
                }
            for (; i < end; i++)
            {
                float g = dy[i] * ActivationMap.Derivative(activation, y[i], a);
                dx[i] = beta == 0 ? g : beta * dx[i] + g;
            }
        }
    }
}
