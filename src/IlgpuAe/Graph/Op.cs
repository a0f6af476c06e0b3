using System.Numerics;
using ILGPU;

namespace IlgpuAe.Graph;

/// <summary>
/// One differentiable step of a graph: a forward launch sequence and a backward launch sequence
/// that turns the gradient of <see cref="Output"/> into gradients of <see cref="Inputs"/>.
/// An op knows its kernels; it does not know which model it belongs to.
/// </summary>
public abstract class Op<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>An op called <paramref name="name"/> (in profiles and messages) reading <paramref name="inputs"/> in order.</summary>
    protected Op(string name, params Node<T>[] inputs)
    {
        Name = name;
        Inputs = inputs;
    }

    /// <summary>Short kind name, e.g. "linear", shown in profiles and errors.</summary>
    public string Name { get; }
    /// <summary>The nodes read, in the order <c>x.Beta(this, i)</c> numbers them.</summary>
    public IReadOnlyList<Node<T>> Inputs { get; }
    /// <summary>The node this op computes, set when the op is added to a graph.</summary>
    public Node<T> Output { get; internal set; } = null!;

    /// <summary>Computes <see cref="Output"/> from the inputs.</summary>
    public abstract void Forward(Exec<T> x);

    /// <summary>
    /// Adds the gradient of the inputs that need one. For input i, write with
    /// <c>x.Beta(this, i)</c>: 0 for the first contribution (overwrite, never read), 1 after.
    /// </summary>
    public abstract void Backward(Exec<T> x);

    /// <summary>
    /// The values the backward pass reads; they stay alive until it has run. Ops that need
    /// less than all inputs and the output say so, which frees memory earlier.
    /// </summary>
    public virtual IEnumerable<Node<T>> SavedForBackward => Inputs.Append(Output);

    /// <summary>
    /// Whether the output takes no gradient whatever the inputs (detach, an argmin): backward never reaches through the op,
    /// and its output keeps its buffer for the whole step (so that a held detached value survives the next forward pass).
    /// </summary>
    public virtual bool StopsGradient => false;

    /// <summary>Elements of private scratch the forward pass needs (for example reduction partials).</summary>
    public virtual long ForwardScratch(Device device) => 0;

    /// <summary>Elements of private scratch the backward pass needs (for example dy·f'(y) before a GEMM).</summary>
    public virtual long BackwardScratch(Device device) => 0;

    /// <summary>
    /// The inputs (by index) whose gradients <see cref="Forward"/> can write in the same launch as the value: a loss whose
    /// gradient is a function of what the value pass reads anyway. Empty (the default): none. The plan fuses an op only
    /// when its output is one loss term that nothing else reads, exactly the listed inputs need a gradient, and this op is
    /// the first to write each of them in the step; <see cref="Exec{T}.GradientInForward"/> then says so during Forward,
    /// <see cref="Exec{T}.TermGradient"/> gives the term's seed, and <see cref="Backward"/> is not called.
    /// </summary>
    public virtual IReadOnlyList<int> GradientInForward => [];
}

/// <summary>What an op sees while it runs: bound buffers, gradient bookkeeping, the device and the step.</summary>
public abstract class Exec<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The device every buffer lives on and every kernel launches to.</summary>
    public abstract Device Device { get; }

    /// <summary>The buffer holding a node's value.</summary>
    public abstract ArrayView<T> Value(Node<T> node);

    /// <summary>The buffer holding a node's gradient (only for nodes where <see cref="NeedsGrad"/>).</summary>
    public abstract ArrayView<T> Grad(Node<T> node);

    /// <summary>Whether backward must produce a gradient for this node.</summary>
    public abstract bool NeedsGrad(Node<T> node);

    /// <summary>0 if <paramref name="op"/> is the first to write input <paramref name="input"/>'s gradient, else 1.</summary>
    public abstract T Beta(Op<T> op, int input);

    /// <summary>The training step counter, for ops whose randomness must differ per step and repeat per seed.</summary>
    public abstract ulong Step { get; }

    /// <summary>
    /// <see cref="Step"/> in device memory (one element), for the random kernels to read: a launch that takes the step from
    /// here has the same arguments at every step, so a captured CUDA graph replays it with the current step. The default,
    /// for an Exec whose step is always 0, is <see cref="Device.ZeroStep"/>.
    /// </summary>
    public virtual ArrayView<ulong> StepCell => Step == 0 ? Device.ZeroStep
        : throw new InvalidOperationException($"{GetType().Name} has step {Step} but no device step cell (override StepCell)");

    /// <summary>The seed of the run, for counter-based random numbers.</summary>
    public abstract ulong Seed { get; }

    /// <summary>
    /// The row of the whole batch that this plan's row 0 is (0 in one process; a rank's slice start in data-parallel
    /// training), so that random draws are functions of (seed, step, row of the whole batch) however the rows are split.
    /// </summary>
    public virtual ulong RowOffset => 0;

    /// <summary>The Philox index of element 0 of a batch-shaped [rows, cols] node: <see cref="RowOffset"/>·cols.</summary>
    public ulong FirstElement(Node<T> node) => RowOffset * (ulong)node.Cols;

    /// <summary>
    /// Whether detach ops keep the values of the last pass instead of copying their inputs (false, except while a
    /// finite-difference check probes a graph with detached values: sg(·) is then held constant, as its gradient says).
    /// </summary>
    public virtual bool HoldsDetached => false;

    /// <summary>The op's private scratch for the pass now running, as long as it asked for.</summary>
    public abstract ArrayView<T> Scratch(Op<T> op);

    /// <summary>
    /// Whether <paramref name="op"/>'s Forward must also write its inputs' gradients (overwriting them, beta 0) because the plan
    /// fused its backward into it (see <see cref="Op{T}.GradientInForward"/>); false outside a fusing training plan.
    /// </summary>
    public virtual bool GradientInForward(Op<T> op) => false;

    /// <summary>
    /// d(objective)/d(<paramref name="term"/>) for a loss-term node of an op for which <see cref="GradientInForward"/> is true:
    /// the term's weight at the plan's schedule step times its gradient scale, in T, the value the backward pass would seed.
    /// </summary>
    public virtual T TermGradient(Node<T> term) => throw new InvalidOperationException($"{term} is not a fused loss term of this plan");
}
