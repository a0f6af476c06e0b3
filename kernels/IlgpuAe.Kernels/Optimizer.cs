namespace IlgpuAe.Kernels;

/// <summary>
/// Optimizer steps, each one launch over the whole flat parameter buffer (parameters, gradients
/// and optimizer state are parallel flat buffers). Step-dependent scalars (the learning rate, Adam's bias
/// corrections, the step a guard records) are computed once on the host or by a reduction, never per element,
/// and read from device memory, so that every launch of a steady-state step has the same arguments (a captured
/// CUDA graph replays them; the host uploads the new values before each step).
/// </summary>
public static partial class OptimizerKernels
{
    /// <summary>
    /// v = μ·v + g + wd·p;  p = p − lr·v  (PyTorch's SGD with momentum, dampening 0, L2 weight decay), lr = rate[0];
    /// nothing while the gate is shut (gate[0] ≠ 0, see <see cref="CheckFinite{T}"/>)
    /// </summary>
    public static void SgdMomentum<T>(Index1D t, Loop loop, ArrayView<T> p, ArrayView<T> g, ArrayView<T> velocity,
        ArrayView<T> rate, T momentum, T weightDecay, ArrayView<long> gate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (gate[0] != 0) return;
        T lr = rate[0];
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
    /// g' = g + L2·p;  m = β1·m + (1−β1)·g';  v = β2·v + (1−β2)·g'²;
    /// p = p − lr·[(m/bias1) / (√(v/bias2) + ε) + shrink·p],  bias_k = 1 − β_k^step  (L2 = wd for Adam, shrink = wd for AdamW),
    /// the scalars s = step[0] (this step's, uploaded by the host);
    /// nothing while the gate is shut (gate[0] ≠ 0, see <see cref="CheckFinite{T}"/>)
    /// </summary>
    public static void Adam<T>(Index1D t, Loop loop, ArrayView<T> p, ArrayView<T> g, ArrayView<T> m, ArrayView<T> v,
        ArrayView<AdamStep<T>> step, ArrayView<long> gate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (gate[0] != 0) return;
        AdamStep<T> s = step[0];
        int n = (int)p.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                T w = p[i];
                T gi = g[i] + s.L2 * w;
                T mi = s.Beta1 * m[i] + (T.One - s.Beta1) * gi;
                T vi = s.Beta2 * v[i] + (T.One - s.Beta2) * gi * gi;
                m[i] = mi;
                v[i] = vi;
                p[i] = w - s.Lr * (mi / s.Bias1 / (T.Sqrt(vi / s.Bias2) + s.Eps) + s.Shrink * w);
            }
    }

    /// <summary>
    /// The divergence guard on the device: unless the gate is already shut, the first loss term that is not finite
    /// (in term order), else a squared gradient norm that is not finite, shuts it and records the step:
    /// gate = [1, step, culprit (term index, or <paramref name="count"/> for the gradient), kind (<see cref="GateRecord"/>), epoch, batch],
    /// (step, epoch, batch) = position[0..3], the step's place that the host uploads before it.
    /// The optimizer kernels read gate[0], so from that step on the parameters stay as they were; the host reads the
    /// record when it chooses (every N steps) and reports that step. One thread: a handful of loads.
    /// </summary>
    public static void CheckFinite<T>(Index1D t, ArrayView<T> terms, int count, ArrayView<T> squaredNorm, ArrayView<long> gate,
        ArrayView<long> position)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t != 0 || gate[0] != 0) return;
        int culprit = -1;
        T bad = T.Zero;
        for (int i = 0; i < count && culprit < 0; i++)
            if (!Num<T>.IsFinite(terms[i]))
            {
                culprit = i;
                bad = terms[i];
            }
        if (culprit < 0 && !Num<T>.IsFinite(squaredNorm[0]))
        {
            culprit = count;
            bad = squaredNorm[0];
        }
        if (culprit < 0) return;
        gate[1] = position[0];
        gate[2] = culprit;
        gate[3] = bad > T.Zero ? GateRecord.PositiveInfinity : bad < T.Zero ? GateRecord.NegativeInfinity : GateRecord.NaN; // NaN compares false both ways
        gate[4] = position[1];
        gate[5] = position[2];
        gate[0] = 1;
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

    /// <summary>
    /// What <see cref="OptimizerKernels.CheckFinite{T}"/> records: the first term that is not finite (its index and
    /// <see cref="GateRecord"/> kind), else the gradient (index = terms.Length) when ‖g‖² is not finite, else null.
    /// </summary>
    public static (int Culprit, long Kind)? FirstNonFinite(double[] terms, double squaredNorm)
    {
        for (int i = 0; i < terms.Length; i++)
            if (!double.IsFinite(terms[i])) return (i, Kind(terms[i]));
        return double.IsFinite(squaredNorm) ? null : (terms.Length, Kind(squaredNorm));
        static long Kind(double v) => double.IsNaN(v) ? GateRecord.NaN : v > 0 ? GateRecord.PositiveInfinity : GateRecord.NegativeInfinity;
    }

    /// <summary>min(1, maxNorm / ‖g‖₂): the factor that clips g to norm <paramref name="maxNorm"/>.</summary>
    public static double ClipFactor(double[] g, double maxNorm)
    {
        double norm = Math.Sqrt(g.Sum(x => x * x));
        return norm > maxNorm ? maxNorm / norm : 1;
    }
}

/// <summary>The layout of the gate buffer that <see cref="OptimizerKernels.CheckFinite{T}"/> writes and the optimizers read.</summary>
public static class GateRecord
{
    /// <summary>Elements of a gate buffer: shut, step, culprit, kind, epoch, batch.</summary>
    public const int Length = 6;
    /// <summary>Elements of the position a guard launch reads: step, epoch, batch.</summary>
    public const int PositionLength = 3;
    /// <summary>Kinds of the value that was not finite.</summary>
    public const long NaN = 0, PositiveInfinity = 1, NegativeInfinity = 2;
}

/// <summary>Adam's per-step scalars for the generic kernel, in one element of device memory (the host uploads each step's).</summary>
/// <typeparam name="T">The element type.</typeparam>
public readonly struct AdamStep<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>lr, β1, β2, ε; L2 (decay added to g, Adam) and Shrink (decay applied to p, AdamW), one of them 0; the bias corrections 1 − β^t.</summary>
    public readonly T Lr, Beta1, Beta2, Eps, L2, Shrink, Bias1, Bias2;

    /// <summary><paramref name="decoupled"/> puts the weight decay on p directly (AdamW) rather than into g.</summary>
    public AdamStep(T lr, T beta1, T beta2, T eps, T weightDecay, T bias1, T bias2, bool decoupled)
    {
        Lr = lr; Beta1 = beta1; Beta2 = beta2; Eps = eps; Bias1 = bias1; Bias2 = bias2;
        L2 = decoupled ? T.Zero : weightDecay;
        Shrink = decoupled ? weightDecay : T.Zero;
    }
}
