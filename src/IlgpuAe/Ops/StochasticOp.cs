using System.Numerics;
using ILGPU;
using IlgpuAe.Graph;

namespace IlgpuAe.Ops;

/// <summary>
/// Shared plumbing of the stochastic ops (sampling, divergences, likelihoods of a VAE).
/// Several of their kernels write two or more gradients with one beta; when the inputs'
/// betas differ (or one needs no gradient) the kernel writes into scratch instead and each
/// gradient is then accumulated with its own beta.
/// </summary>
public abstract class StochasticOp<T>(string name, params Node<T>[] inputs) : KernelOp<T>(name, inputs)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Scratch the scatter path may need for the given inputs (their total length).</summary>
    protected long ScatterScratch(params int[] inputs) => inputs.Sum(i => Inputs[i].Length);

    // Per-op arrays reused every step (an op belongs to one plan, which runs on one thread): a step allocates nothing.
    ArrayView<T>[]? _values, _grads;
    bool _direct;

    /// <summary>Every input's value view, in input order, in an array this op reuses.</summary>
    protected ArrayView<T>[] Values(Exec<T> x)
    {
        _values ??= new ArrayView<T>[Inputs.Count];
        for (int i = 0; i < _values.Length; i++) _values[i] = x.Value(Inputs[i]);
        return _values;
    }

    /// <summary>
    /// Where a kernel that writes the gradients of <paramref name="inputs"/> with one beta should write them: straight into
    /// the gradients when every input needs one with the same beta, else into <paramref name="scratch"/> with beta 0, to be
    /// accumulated by <see cref="EndScatter"/> with each input's own beta. False when no input needs a gradient (launch nothing).
    /// </summary>
    protected bool BeginScatter(Exec<T> x, ArrayView<T> scratch, ReadOnlySpan<int> inputs, out ArrayView<T>[] d, out T beta)
    {
        d = _grads ??= new ArrayView<T>[Inputs.Count];
        beta = T.Zero;
        bool any = false, all = true;
        foreach (int i in inputs)
        {
            bool needs = x.NeedsGrad(Inputs[i]);
            any |= needs;
            all &= needs;
        }
        if (!any) return false;
        _direct = false;
        if (all)
        {
            beta = x.Beta(this, inputs[0]);
            _direct = true;
            foreach (int i in inputs) _direct &= x.Beta(this, i) == beta;
        }
        if (_direct)
        {
            for (int k = 0; k < inputs.Length; k++) d[k] = x.Grad(Inputs[inputs[k]]);
            return true;
        }
        beta = T.Zero;
        long at = 0;
        for (int k = 0; k < inputs.Length; k++)
        {
            d[k] = scratch.SubView(at, Inputs[inputs[k]].Length);
            at += Inputs[inputs[k]].Length;
        }
        return true;
    }

    /// <summary>After the kernel of a <see cref="BeginScatter"/> that went through scratch, adds each scratch gradient with its input's beta.</summary>
    protected void EndScatter(Exec<T> x, ReadOnlySpan<int> inputs)
    {
        if (_direct) return;
        for (int k = 0; k < inputs.Length; k++)
            if (x.NeedsGrad(Inputs[inputs[k]]))
                Axpby(x, _grads![k], x.Grad(Inputs[inputs[k]]), T.One, x.Beta(this, inputs[k]));
    }

    /// <summary>
    /// The Philox stream of a random op at a training step: the op's own stream in the high bits,
    /// the step in the low 40, so that steps and ops never share numbers and a fixed step repeats them.
    /// </summary>
    protected static ulong StreamFor(int opStream, ulong step) => KeyFor(opStream).Of(step);

    /// <summary>The same stream as a key the kernel completes with the step it reads on the device (the step's low 40 bits under the op's).</summary>
    protected static Kernels.StreamKey KeyFor(int opStream) => new((ulong)opStream << 40, (1UL << 40) - 1);

    /// <summary>1/rows, the batch mean every per-image term uses.</summary>
    protected static T PerRow(int rows) => T.One / T.CreateTruncating(rows);
}
