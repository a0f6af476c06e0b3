using System.Numerics;
using IlgpuAe.Data;

namespace IlgpuAe.Models;

/// <summary>
/// The VampPrior's learned pseudo-inputs (Tomczak and Welling 2018): p(z) = (1/K) Σ_k q(z|u_k), the mixture of the
/// encoder's diagonal posteriors N(μ(u_k), diag e^{logσ²(u_k)}) at K pseudo-inputs u_k, which are parameters of the model
/// (trained with it, saved and loaded with it). The mixture itself is evaluated by the GMM kernels with equal weights, its
/// means and log-variances being the encoder's outputs at the pseudo-inputs, so gradients reach u_k and the encoder.
/// </summary>
public sealed class VampPrior<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // Xavier draws U(±√(6 / (fanIn + fanOut))): a fan of 60 000 gives the U(±0.01) jitter the images are added to.
    const int JitterFan = 60_000;

    /// <summary>Adds <paramref name="name"/>.pseudo_inputs [K, features] to <paramref name="store"/>, starting at U(±0.01).</summary>
    public VampPrior(ParameterStore<T> store, string name, int pseudoInputs, int features)
    {
        Count = pseudoInputs;
        Features = features;
        PseudoInputs = store.Add($"{name}.pseudo_inputs", pseudoInputs, features, Init.Xavier, JitterFan, 0);
    }

    /// <summary>Number K of pseudo-inputs, the mixture's components.</summary>
    public int Count { get; }
    /// <summary>Features of one pseudo-input (the encoder's input width).</summary>
    public int Features { get; }
    /// <summary>The pseudo-inputs u_k, [K, Features] row-major.</summary>
    public Parameter<T> PseudoInputs { get; }

    /// <summary>
    /// Starts u_k at training image k mod N plus the U(±0.01) jitter already drawn (the paper's data initialisation, which adds
    /// N(0, 0.01²) noise to the first K training images; its default N(0.05, 0.01²) start and its hardtanh clamp to [0, 1] are not used).
    /// </summary>
    public void InitialiseFromData(ParameterStore<T> store, Dataset train)
    {
        if (train.Features != Features)
            throw new IlgpuAeException($"the data has {train.Features} features per image, the VampPrior's pseudo-inputs {Features}");
        if (train.Count == 0) throw new IlgpuAeException("the VampPrior's pseudo-inputs start at training images, and there are none");
        var values = store.Download();
        var images = train.Images;
        for (int k = 0; k < Count; k++)
        {
            long from = (long)(k % train.Count) * Features, to = PseudoInputs.Offset + (long)k * Features;
            for (int j = 0; j < Features; j++) values[to + j] += T.CreateTruncating(images[from + j]);
        }
        store.Upload(values);
    }

    /// <summary>
    /// <paramref name="count"/> samples of the mixture, [count, latent]: component k uniform from Philox(seed, 0xC0, row), then
    /// z = μ_k + e^{½logσ²_k}·ε with ε from Philox(seed, 0xC1, element), given the components' means and log-variances [K, latent].
    /// </summary>
    public static double[] Sample(double[] means, double[] logVars, int components, int latent, int count, ulong seed)
    {
        var z = new double[count * latent];
        for (int r = 0; r < count; r++)
        {
            int k = Math.Min(components - 1, (int)(HostRandom.Uniform(seed, 0xC0, (ulong)r) * components));
            for (int j = 0; j < latent; j++)
            {
                double eps = HostRandom.PhiloxNormal(seed, 0xC1, (long)r * latent + j);
                z[r * latent + j] = means[k * latent + j] + Math.Exp(0.5 * logVars[k * latent + j]) * eps;
            }
        }
        return z;
    }
}
