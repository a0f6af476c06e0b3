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

    /// <summary>
    /// Runs <paramref name="launch"/> (gradient views in the order of <paramref name="inputs"/>, and a beta)
    /// straight into the gradients when every input needs one with the same beta; otherwise through
    /// <paramref name="scratch"/> and one accumulation per gradient.
    /// </summary>
    protected void Scatter(Exec<T> x, ArrayView<T> scratch, int[] inputs, Action<ArrayView<T>[], T> launch)
    {
        if (!inputs.Any(i => x.NeedsGrad(Inputs[i]))) return;
        if (inputs.All(i => x.NeedsGrad(Inputs[i])))
        {
            T beta = x.Beta(this, inputs[0]);
            if (inputs.All(i => x.Beta(this, i) == beta))
            {
                launch(inputs.Select(i => x.Grad(Inputs[i])).ToArray(), beta);
                return;
            }
        }
        var views = new ArrayView<T>[inputs.Length];
        long at = 0;
        for (int k = 0; k < inputs.Length; k++)
        {
            views[k] = scratch.SubView(at, Inputs[inputs[k]].Length);
            at += Inputs[inputs[k]].Length;
        }
        launch(views, T.Zero);
        for (int k = 0; k < inputs.Length; k++)
            if (x.NeedsGrad(Inputs[inputs[k]]))
                Axpby(x, views[k], x.Grad(Inputs[inputs[k]]), T.One, x.Beta(this, inputs[k]));
    }

    /// <summary>
    /// The Philox stream of a random op at a training step: the op's own stream in the high bits,
    /// the step in the low 40, so that steps and ops never share numbers and a fixed step repeats them.
    /// </summary>
    protected static ulong StreamFor(int opStream, ulong step) => ((ulong)opStream << 40) | (step & ((1UL << 40) - 1));

    /// <summary>1/rows, the batch mean every per-image term uses.</summary>
    protected static T PerRow(int rows) => T.One / T.CreateTruncating(rows);
}
