using System.Numerics;
using ILGPU;
using IlgpuAe.Compute;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Ops;

/// <summary>
/// The exact contractive penalty of a one-layer encoder h = f(x·Wᵀ + b), fused:
/// s = scale·Σ_r Σ_j f'(h[r,j])²·‖W_j‖² (scale 1/rows: per image). Its gradient is analytic:
/// dh = ds·scale·2f'(h)·c(h)·‖W_j‖² (c = df'/dy, continued to the pre-activation by the Linear's own
/// backward) and dW_ji = 2·W_ji·ds·scale·Σ_r f'(h[r,j])².
/// </summary>
public sealed class FusedContractiveOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly int _activation;
    readonly T _slope, _scale;

    /// <summary>
    /// The penalty of codes <paramref name="h"/> [rows, units] = f(x·Wᵀ + b) with <paramref name="weight"/> W [units, inputs];
    /// <paramref name="scale"/> is usually 1/rows. ArgumentException when W does not produce h's units.
    /// </summary>
    public FusedContractiveOp(Node<T> h, Node<T> weight, Activation activation, T slope, T scale) : base("contractive", h, weight)
    {
        if (weight.Rows != h.Cols) throw new ArgumentException($"contractive penalty: {weight} does not produce the units of {h}");
        _activation = (int)activation;
        _slope = slope;
        _scale = scale;
    }

    Node<T> H => Inputs[0];
    Node<T> W => Inputs[1];

    /// <summary>h and W: the gradient is analytic in both.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => Inputs;

    /// <summary>‖W_j‖² per unit, then one penalty per row.</summary>
    public override long ForwardScratch(Device device) => W.Rows + H.Rows;

    /// <summary>
    /// ‖W_j‖² and its gradient per unit. Row norms are recomputed rather than kept: one cheap pass over W
    /// against a buffer alive all step.
    /// </summary>
    public override long BackwardScratch(Device device) => 2L * W.Rows;

    void RowNorms(Exec<T> x, ArrayView<T> norms)
    {
        var loop = x.Device.LoopFor(W.Rows);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, int>(ContractiveKernels.WeightNorms)(loop.Threads, loop, x.Value(W), norms, W.Cols);
    }

    /// <summary>s = scale·Σ_r Σ_j f'(h[r,j])²·‖W_j‖²</summary>
    public override void Forward(Exec<T> x)
    {
        var scratch = x.Scratch(this);
        var norms = scratch.SubView(0, W.Rows);
        var rowPenalty = scratch.SubView(W.Rows, H.Rows);
        RowNorms(x, norms);
        var loop = x.Device.LoopFor(H.Rows);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int, T>(ContractiveKernels.FusedForward)(
            loop.Threads, loop, x.Value(H), norms, rowPenalty, H.Cols, _activation, _slope);
        SumToScalar(x, rowPenalty, x.Value(Output), _scale);
    }

    /// <summary>dh = ds·scale·2f'(h)·c(h)·‖W_j‖²;  dW_ji = 2·W_ji·ds·scale·Σ_r f'(h[r,j])²</summary>
    public override void Backward(Exec<T> x)
    {
        var d = x.Device;
        var scratch = x.Scratch(this);
        var norms = scratch.SubView(0, W.Rows);
        var dNorms = scratch.SubView(W.Rows, W.Rows);
        RowNorms(x, norms);
        if (x.NeedsGrad(H))
        {
            var loop = d.LoopFor(H.Length);
            d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int, T, T, T>(ContractiveKernels.FusedBackward)(
                loop.Threads, loop, x.Value(H), norms, x.Grad(Output), x.Grad(H), H.Cols, _activation, _slope, _scale, x.Beta(this, 0));
        }
        if (x.NeedsGrad(W))
        {
            var unitLoop = d.LoopFor(W.Rows);
            d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int, T, T, T>(ContractiveKernels.FusedNormBackward)(
                unitLoop.Threads, unitLoop, x.Value(H), x.Grad(Output), dNorms, H.Rows, _activation, _slope, _scale, T.Zero);
            var loop = d.LoopFor(W.Length);
            d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(ContractiveKernels.WeightNormsBackward)(
                loop.Threads, loop, x.Value(W), dNorms, x.Grad(W), W.Cols, x.Beta(this, 1));
        }
    }
}

/// <summary>d = f'(y) elementwise, from the output y; dy = dd·c(y), c = df'/dy.</summary>
/// <param name="y">The activation's output.</param>
/// <param name="activation">f.</param>
/// <param name="slope">LeakyReLU's slope or ELU's scale.</param>
public sealed class SlopeOp<T>(Node<T> y, Activation activation, T slope) : KernelOp<T>("slope", y)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The input y: both f'(y) and c(y) are written from it.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => Inputs;

    /// <summary>d = f'(y)</summary>
    public override void Forward(Exec<T> x)
    {
        var loop = x.Device.LoopFor(Output.Length);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, int, T>(ContractiveKernels.SlopeForward)(
            loop.Threads, loop, x.Value(Inputs[0]), x.Value(Output), (int)activation, slope);
    }

    /// <summary>dy = beta·dy + dd·c(y), c = df'/dy</summary>
    public override void Backward(Exec<T> x)
    {
        if (!x.NeedsGrad(Inputs[0])) return;
        var loop = x.Device.LoopFor(Output.Length);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T, T>(ContractiveKernels.SlopeBackward)(
            loop.Threads, loop, x.Value(Inputs[0]), x.Grad(Output), x.Grad(Inputs[0]), (int)activation, slope, x.Beta(this, 0));
    }
}

/// <summary>
/// K[(b,c),k] = s[b,c]·W[c,k]: diag(s_b)·W for every sample b of s [batch, code], stacked into
/// [batch·code, width] (the last layer's Jacobian D_L·W_L). ds = Σ_k dK·W; dW = Σ_b dK·s.
/// </summary>
public sealed class RowScaleOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>diag(s_b)·W for s [batch, code], W [code, width]; ArgumentException when s.Cols ≠ W.Rows.</summary>
    public RowScaleOp(Node<T> s, Node<T> w) : base("row_scale", s, w)
    {
        if (s.Cols != w.Rows) throw new ArgumentException($"row scale: {s} has {s.Cols} columns, {w} has {w.Rows} rows");
    }

    /// <summary>The output shape, [batch·code, width].</summary>
    public static (int Rows, int Cols) Shape(Node<T> s, Node<T> w) => (s.Rows * s.Cols, w.Cols);

    Node<T> S => Inputs[0];
    Node<T> W => Inputs[1];

    /// <summary>s and W, each the other's gradient factor.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => Inputs;

    /// <summary>K[(b,c),k] = s[b,c]·W[c,k]</summary>
    public override void Forward(Exec<T> x)
    {
        var loop = x.Device.LoopFor(Output.Length);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int>(ContractiveKernels.RowScale)(
            loop.Threads, loop, x.Value(S), x.Value(W), x.Value(Output), S.Cols, W.Cols);
    }

    /// <summary>ds = Σ_k dK·W;  dW = Σ_b dK·s</summary>
    public override void Backward(Exec<T> x)
    {
        var d = x.Device;
        if (x.NeedsGrad(S))
        {
            var loop = d.LoopFor(S.Length);
            d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int, T>(ContractiveKernels.RowScaleBackwardScale)(
                loop.Threads, loop, x.Value(W), x.Grad(Output), x.Grad(S), S.Cols, W.Cols, x.Beta(this, 0));
        }
        if (x.NeedsGrad(W))
        {
            var loop = d.LoopFor(W.Length);
            d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int, T>(ContractiveKernels.RowScaleBackwardWeight)(
                loop.Threads, loop, x.Value(S), x.Grad(Output), x.Grad(W), S.Rows, S.Cols, x.Beta(this, 1));
        }
    }
}

/// <summary>
/// Y[(b,c),k] = K[(b,c),k]·s[b,k]: K_b·diag(s_b) for every sample of K [batch·code, width] and
/// s [batch, width] (a hidden layer's D_l on the right of the chain). dK = dY·s; ds = Σ_c dY·K.
/// </summary>
public sealed class ColumnScaleOp<T> : KernelOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly int _code;

    /// <summary>K_b·diag(s_b) for K [batch·code, width], s [batch, width]; ArgumentException unless K stacks one [code, width] block per row of s.</summary>
    public ColumnScaleOp(Node<T> k, Node<T> s) : base("column_scale", k, s)
    {
        if (k.Cols != s.Cols || k.Rows % s.Rows != 0)
            throw new ArgumentException($"column scale: {k} is not a stack of [code, {s.Cols}] blocks, one per row of {s}");
        _code = k.Rows / s.Rows;
    }

    Node<T> K => Inputs[0];
    Node<T> S => Inputs[1];

    /// <summary>K and s, each the other's gradient factor.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => Inputs;

    /// <summary>Y[(b,c),k] = K[(b,c),k]·s[b,k]</summary>
    public override void Forward(Exec<T> x)
    {
        var loop = x.Device.LoopFor(Output.Length);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int>(ContractiveKernels.ColumnScale)(
            loop.Threads, loop, x.Value(K), x.Value(S), x.Value(Output), _code, K.Cols);
    }

    /// <summary>dK = dY·s;  ds = Σ_c dY·K</summary>
    public override void Backward(Exec<T> x)
    {
        var d = x.Device;
        if (x.NeedsGrad(K))
        {
            var loop = d.LoopFor(K.Length);
            d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int, T>(ContractiveKernels.ColumnScaleBackwardInput)(
                loop.Threads, loop, x.Value(S), x.Grad(Output), x.Grad(K), _code, K.Cols, x.Beta(this, 0));
        }
        if (x.NeedsGrad(S))
        {
            var loop = d.LoopFor(S.Length);
            d.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, int, T>(ContractiveKernels.ColumnScaleBackwardScale)(
                loop.Threads, loop, x.Value(K), x.Grad(Output), x.Grad(S), _code, K.Cols, x.Beta(this, 1));
        }
    }
}

/// <summary>
/// v ~ N(0, 1) per element, drawn from (seed, stream(step, salt), element of the whole batch): a Hutchinson
/// probe. It has no inputs, so no gradient.
/// </summary>
/// <param name="salt">Distinguishes this op's Philox stream from the graph's other random ops.</param>
public sealed class NormalProbeOp<T>(ulong salt) : KernelOp<T>("probe")
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Nothing: a probe has no inputs.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [];

    /// <summary>v = N(0, 1) per element from the Philox stream of this step and salt.</summary>
    public override void Forward(Exec<T> x)
    {
        RandomLaunch.Normal(x.Device, x.Value(Output), x.Seed, RandomStreams.KeyFor(salt), x.StepCell, x.FirstElement(Output), T.Zero, T.One);
    }

    /// <summary>Nothing to do: no inputs.</summary>
    public override void Backward(Exec<T> x) { }
}
