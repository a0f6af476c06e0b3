namespace IlgpuAe.Kernels;

/// <summary>
/// Optimizer steps, each one launch over the whole flat parameter buffer (parameters, gradients
/// and optimizer state are parallel flat buffers). Step-dependent scalars (Adam's bias
/// corrections, a clip factor) are computed once on the host or by a reduction, never per element.
/// </summary>
public static partial class OptimizerKernels
{
    /// <summary>v = μ·v + g + wd·p;  p = p − lr·v  (PyTorch's SGD with momentum, dampening 0, L2 weight decay)</summary>
    public static void SgdMomentum<T>(Index1D t, Loop loop, ArrayView<T> p, ArrayView<T> g, ArrayView<T> velocity,
        T lr, T momentum, T weightDecay)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)p.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                T w = p[i];
                T v = momentum * velocity[i] + g[i] + weightDecay * w;
                velocity[i] = v;
                p[i] = w - lr * v;
            }
    }

    /// <summary>
    /// g' = g + wd·p (decoupled = 0);  m = β1·m + (1−β1)·g';  v = β2·v + (1−β2)·g'²;
    /// p = p − lr·[(m/bias1) / (√(v/bias2) + ε) + wd·p (decoupled = 1, AdamW)],  bias_k = 1 − β_k^step
    /// </summary>
    public static void Adam<T>(Index1D t, Loop loop, ArrayView<T> p, ArrayView<T> g, ArrayView<T> m, ArrayView<T> v,
        T lr, T beta1, T beta2, T eps, T weightDecay, T bias1, T bias2, int decoupled)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)p.Length;
        T l2 = decoupled == 0 ? weightDecay : T.Zero;
        T shrink = decoupled != 0 ? weightDecay : T.Zero;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                T w = p[i];
                T gi = g[i] + l2 * w;
                T mi = beta1 * m[i] + (T.One - beta1) * gi;
                T vi = beta2 * v[i] + (T.One - beta2) * gi * gi;
                m[i] = mi;
                v[i] = vi;
                p[i] = w - lr * (mi / bias1 / (T.Sqrt(vi / bias2) + eps) + shrink * w);
            }
    }

    /// <summary>x[i] = alpha·x[i]  (gradient scaling with a host-side factor)</summary>
    public static void ScaleInPlace<T>(Index1D t, Loop loop, ArrayView<T> x, T alpha)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)x.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++) x[i] = alpha * x[i];
    }

    /// <summary>
    /// x[i] = x[i]·min(1, maxNorm / √squaredNorm[0])  (clip by global L2 norm; squaredNorm[0] comes
    /// from <see cref="ReductionKernels.SquaredNorm{T}"/> + SumPartials, so no host round trip)
    /// </summary>
    public static void ClipByNorm<T>(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> squaredNorm, T maxNorm)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T norm = T.Sqrt(squaredNorm[0]);
        if (!(norm > maxNorm)) return; // also leaves x alone when the norm is NaN: the finite check reports that
        T factor = maxNorm / norm;
        int n = (int)x.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++) x[i] = factor * x[i];
    }
}

/// <summary>The double-precision meaning of <see cref="OptimizerKernels"/>: one step, in place.</summary>
public static class OptimizerReference
{
    /// <summary>v = μ·v + g + wd·p;  p = p − lr·v, in place on p and vel.</summary>
    public static void SgdMomentum(double[] p, double[] g, double[] vel, double lr, double mu, double wd)
    {
        for (int i = 0; i < p.Length; i++)
        {
            vel[i] = mu * vel[i] + g[i] + wd * p[i];
            p[i] -= lr * vel[i];
        }
    }

    /// <summary>Adam (decoupled false) or AdamW (true) at 1-based <paramref name="step"/>.</summary>
    public static void Adam(double[] p, double[] g, double[] m, double[] v, int step,
        double lr, double beta1, double beta2, double eps, double wd, bool decoupled)
    {
        double bias1 = 1 - Math.Pow(beta1, step), bias2 = 1 - Math.Pow(beta2, step);
        for (int i = 0; i < p.Length; i++)
        {
            double gi = decoupled ? g[i] : g[i] + wd * p[i];
            m[i] = beta1 * m[i] + (1 - beta1) * gi;
            v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
            double update = m[i] / bias1 / (Math.Sqrt(v[i] / bias2) + eps);
            p[i] -= lr * (update + (decoupled ? wd * p[i] : 0));
        }
    }

    /// <summary>min(1, maxNorm / ‖g‖₂): the factor that clips g to norm <paramref name="maxNorm"/>.</summary>
    public static double ClipFactor(double[] g, double maxNorm)
    {
        double norm = Math.Sqrt(g.Sum(x => x * x));
        return norm > maxNorm ? maxNorm / norm : 1;
    }
}
