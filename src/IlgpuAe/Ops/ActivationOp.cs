using System.Numerics;
using ILGPU;
using IlgpuAe.Compute;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Ops;

/// <summary>y = f(x) elementwise; backward dx = dy ⊙ f'(y), from the output alone.</summary>
/// <param name="input">x, any shape.</param>
/// <param name="activation">f.</param>
/// <param name="slope">LeakyReLU's slope or ELU's scale, ignored by the others.</param>
public sealed class ActivationOp<T>(Node<T> input, Activation activation, T slope)
    : KernelOp<T>(activation.ToString().ToLowerInvariant(), input)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Only the output: f' is written from y.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [Output];

    /// <summary>y = f(x; a)</summary>
    public override void Forward(Exec<T> x) => LaunchForward(x.Device, activation, x.Value(Inputs[0]), x.Value(Output), slope);

    /// <summary>dx = beta·dx + dy ⊙ f'(y)</summary>
    public override void Backward(Exec<T> x)
    {
        if (x.NeedsGrad(Inputs[0]))
            LaunchBackward(x.Device, activation, x.Value(Output), x.Grad(Output), x.Grad(Inputs[0]), slope, x.Beta(this, 0));
    }

    /// <summary>y = f(x): the float CPU kernel on the CPU accelerator, else the generic one (the one place that maps the enum to its instantiation).</summary>
    public static void LaunchForward(Device d, Activation f, ArrayView<T> input, ArrayView<T> output, T a)
    {
        if (!CpuFast.ActivationForward(d, f, input, output, a))
            LaunchForwardWith(d, f, input, output, a, d.LoopFor(input.Length));
    }

    /// <summary>As <see cref="LaunchForward"/> with an explicit launch shape (tests hold every shape to the same result).</summary>
    public static void LaunchForwardWith(Device d, Activation f, ArrayView<T> input, ArrayView<T> output, T a, Loop loop)
    {
        Action<Index1D, Loop, ArrayView<T>, ArrayView<T>, T> k = f switch
        {
            Activation.Identity => d.Load<Loop, ArrayView<T>, ArrayView<T>, T>(ActivationKernels.Forward<T, IdentityAct<T>>),
            Activation.Relu => d.Load<Loop, ArrayView<T>, ArrayView<T>, T>(ActivationKernels.Forward<T, ReluAct<T>>),
            Activation.LeakyRelu => d.Load<Loop, ArrayView<T>, ArrayView<T>, T>(ActivationKernels.Forward<T, LeakyReluAct<T>>),
            Activation.Sigmoid => d.Load<Loop, ArrayView<T>, ArrayView<T>, T>(ActivationKernels.Forward<T, SigmoidAct<T>>),
            Activation.Tanh => d.Load<Loop, ArrayView<T>, ArrayView<T>, T>(ActivationKernels.Forward<T, TanhAct<T>>),
            Activation.Softplus => d.Load<Loop, ArrayView<T>, ArrayView<T>, T>(ActivationKernels.Forward<T, SoftplusAct<T>>),
            Activation.Elu => d.Load<Loop, ArrayView<T>, ArrayView<T>, T>(ActivationKernels.Forward<T, EluAct<T>>),
            _ => throw new ArgumentOutOfRangeException(nameof(f)),
        };
        k(loop.Threads, loop, input, output, a);
    }

    /// <summary>dx = beta·dx + dy ⊙ f'(y): the float CPU kernel on the CPU accelerator, else the generic one.</summary>
    public static void LaunchBackward(Device d, Activation f, ArrayView<T> y, ArrayView<T> dy, ArrayView<T> dx, T a, T beta)
    {
        if (!CpuFast.ActivationBackward(d, f, y, dy, dx, a, beta))
            LaunchBackwardWith(d, f, y, dy, dx, a, beta, d.LoopFor(y.Length));
    }

    /// <summary>As <see cref="LaunchBackward"/> with an explicit launch shape.</summary>
    public static void LaunchBackwardWith(Device d, Activation f, ArrayView<T> y, ArrayView<T> dy, ArrayView<T> dx, T a, T beta, Loop loop)
    {
        Action<Index1D, Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T> k = f switch
        {
            Activation.Identity => d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(ActivationKernels.Backward<T, IdentityAct<T>>),
            Activation.Relu => d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(ActivationKernels.Backward<T, ReluAct<T>>),
            Activation.LeakyRelu => d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(ActivationKernels.Backward<T, LeakyReluAct<T>>),
            Activation.Sigmoid => d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(ActivationKernels.Backward<T, SigmoidAct<T>>),
            Activation.Tanh => d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(ActivationKernels.Backward<T, TanhAct<T>>),
            Activation.Softplus => d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(ActivationKernels.Backward<T, SoftplusAct<T>>),
            Activation.Elu => d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(ActivationKernels.Backward<T, EluAct<T>>),
            _ => throw new ArgumentOutOfRangeException(nameof(f)),
        };
        k(loop.Threads, loop, y, dy, dx, a, beta);
    }
}
