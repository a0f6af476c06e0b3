namespace IlgpuAe.Kernels;

/// <summary>
/// Geometry of a normalisation of NCHW maps x [Batch, Channels, Plane] (Plane = H·W) with a per-channel affine γ, β.
/// BatchNorm2d (<see cref="Batchwise"/>) takes one statistic per channel over (image, pixel): Channels statistics of
/// Batch·Plane values. GroupNorm takes one per (image, group of Channels/Groups consecutive channels) over (channel, pixel):
/// Batch·Groups statistics of (Channels/Groups)·Plane values.
/// </summary>
public readonly struct NormShape
{
    /// <summary>Images, channels, pixels per channel, channel groups (1 for BatchNorm, where it is unused).</summary>
    public readonly int Batch, Channels, Plane, Groups;
    // 1 for BatchNorm: a kernel argument must be blittable, which bool is not.
    readonly int _batchwise;

    /// <summary>BatchNorm's statistics per channel over the batch; otherwise GroupNorm's per image and group.</summary>
    public bool Batchwise => _batchwise != 0;

    /// <summary>BatchNorm2d of [batch, channels, plane].</summary>
    public static NormShape BatchNorm(int batch, int channels, int plane) => new(batch, channels, plane, 1, true);

    /// <summary>GroupNorm of [batch, channels, plane] in <paramref name="groups"/> groups of channels.</summary>
    public static NormShape GroupNorm(int batch, int channels, int plane, int groups) => new(batch, channels, plane, groups, false);

    NormShape(int batch, int channels, int plane, int groups, bool batchwise)
    {
        Batch = batch; Channels = channels; Plane = plane; Groups = groups; _batchwise = batchwise ? 1 : 0;
    }

    /// <summary>Channels per group (GroupNorm).</summary>
    public int GroupChannels => Groups > 0 ? Channels / Groups : 0;
    /// <summary>How many means and variances: Channels (BatchNorm) or Batch·Groups (GroupNorm).</summary>
    public int Statistics => Batchwise ? Channels : Batch * Groups;
    /// <summary>Values behind each statistic: Batch·Plane (BatchNorm) or (Channels/Groups)·Plane (GroupNorm).</summary>
    public long Count => Batchwise ? (long)Batch * Plane : (long)GroupChannels * Plane;
    /// <summary>(image, channel) planes, the normalising kernels' units.</summary>
    public int Planes => Batch * Channels;
    /// <summary>Elements of x.</summary>
    public long Length => (long)Batch * Channels * Plane;
    /// <summary>The statistic of plane (b, c).</summary>
    public int StatisticOf(int b, int c) => Batchwise ? c : b * Groups + c / GroupChannels;

    /// <summary>Why the shape cannot run, or null when it can.</summary>
    public string? Problem()
    {
        if (Batch <= 0 || Channels <= 0 || Plane <= 0) return $"normalisation sizes must be positive: batch {Batch}, channels {Channels}, plane {Plane}";
        if (!Batchwise && (Groups <= 0 || Channels % Groups != 0)) return $"group normalisation needs a group count that divides the {Channels} channels, got {Groups}";
        if (Length > int.MaxValue) return $"normalisation of {Length} elements is more than 2^31; use a smaller batch";
        return null;
    }

    /// <summary>e.g. "batch_norm 128x32x196" or "group_norm(8) 128x32x196".</summary>
    public override string ToString() => $"{(Batchwise ? "batch_norm" : $"group_norm({Groups})")} {Batch}x{Channels}x{Plane}";
}

/// <summary>
/// BatchNorm2d and GroupNorm, forward and backward, with x̂ = (x − μ)·r, r = 1/√(σ² + ε) per statistic and y = γ_c·x̂ + β_c.
/// Training: μ, σ² (biased) from the batch; backward dx = r·(g − mean(g) − x̂·mean(g·x̂)) over the statistic's values, g = dy·γ_c.
/// BatchNorm's evaluation (and frozen) mode: μ, σ² are the running estimates, constants, so dx = r·g. In both, dγ_c = Σ dy·x̂,
/// dβ_c = Σ dy over (image, pixel). Every sum runs in a fixed order (images, then channels, then pixels ascending), so the same
/// bits every run; the CPU accelerator runs the same units as plain .NET code (Norm.Cpu.cs).
/// </summary>
public static partial class NormKernels
{
    /// <summary>mean[u] = Σ x / n, variance[u] = Σ (x − mean)² / n (two passes), rstd[u] = 1/√(variance + ε), n = <see cref="NormShape.Count"/>, invCount = 1/n. Units: statistics.</summary>
    public static void Statistics<T>(Index1D t, Loop loop, NormShape s, ArrayView<T> x, ArrayView<T> mean, ArrayView<T> variance, ArrayView<T> rstd, T invCount, T eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = s.Statistics;
        for (int first = loop.First(t); first < n; first += loop.Step)
            StatisticsUnits(s, x, mean, variance, rstd, invCount, eps, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>
    /// running = (1 − m)·running + m·batch for the mean, and for the variance with the unbiased batch variance σ²·n/(n − 1)
    /// (<paramref name="unbias"/> = n/(n − 1)), as nn.BatchNorm2d; a channel whose batch statistics are not finite keeps its
    /// running values (a diverged step changes no state). Units: channels.
    /// </summary>
    public static void UpdateRunning<T>(Index1D t, Loop loop, int channels, ArrayView<T> mean, ArrayView<T> variance,
        ArrayView<T> runningMean, ArrayView<T> runningVariance, T momentum, T unbias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int first = loop.First(t); first < channels; first += loop.Step)
            for (int c = first, e = loop.End(first, channels); c < e; c++)
            {
                if (!Num<T>.IsFinite(mean[c]) || !Num<T>.IsFinite(variance[c])) continue;
                runningMean[c] = (T.One - momentum) * runningMean[c] + momentum * mean[c];
                runningVariance[c] = (T.One - momentum) * runningVariance[c] + momentum * (variance[c] * unbias);
            }
    }

    /// <summary>mean[c] = running mean, rstd[c] = 1/√(running variance + ε): BatchNorm's evaluation statistics. Units: channels.</summary>
    public static void RunningStatistics<T>(Index1D t, Loop loop, int channels, ArrayView<T> runningMean, ArrayView<T> runningVariance,
        ArrayView<T> mean, ArrayView<T> rstd, T eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int first = loop.First(t); first < channels; first += loop.Step)
            for (int c = first, e = loop.End(first, channels); c < e; c++)
            {
                mean[c] = runningMean[c];
                rstd[c] = T.One / T.Sqrt(runningVariance[c] + eps);
            }
    }

    /// <summary>y[b, c, p] = γ_c·(x[b, c, p] − mean[u])·rstd[u] + β_c, u the statistic of (b, c). Units: planes.</summary>
    public static void Normalize<T>(Index1D t, Loop loop, NormShape s, ArrayView<T> x, ArrayView<T> mean, ArrayView<T> rstd,
        ArrayView<T> gamma, ArrayView<T> beta, ArrayView<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = s.Planes;
        for (int first = loop.First(t); first < n; first += loop.Step)
            NormalizeUnits(s, x, mean, rstd, gamma, beta, y, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>dγ_c = betaG·dγ_c + Σ_{b,p} dy·x̂, dβ_c = betaB·dβ_c + Σ_{b,p} dy (images, then pixels). Units: channels.</summary>
    public static void AffineGradients<T>(Index1D t, Loop loop, NormShape s, ArrayView<T> x, ArrayView<T> mean, ArrayView<T> rstd, ArrayView<T> dy,
        ArrayView<T> dgamma, T betaGamma, ArrayView<T> dbeta, T betaBeta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = s.Channels;
        for (int first = loop.First(t); first < n; first += loop.Step)
            AffineGradientsUnits(s, x, mean, rstd, dy, dgamma, betaGamma, dbeta, betaBeta, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>sums[2u] = Σ g, sums[2u + 1] = Σ g·x̂ over statistic u's values, g = dy·γ_c (training mode's backward). Units: statistics.</summary>
    public static void GradientSums<T>(Index1D t, Loop loop, NormShape s, ArrayView<T> x, ArrayView<T> mean, ArrayView<T> rstd, ArrayView<T> dy,
        ArrayView<T> gamma, ArrayView<T> sums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = s.Statistics;
        for (int first = loop.First(t); first < n; first += loop.Step)
            GradientSumsUnits(s, x, mean, rstd, dy, gamma, sums, first, Math.Min(first + loop.Span, n));
    }

    /// <summary>
    /// dx = beta·dx + r·(g − sums[2u]/n − x̂·sums[2u + 1]/n) when <paramref name="centred"/> is 1 (batch statistics), else
    /// beta·dx + r·g (constant statistics); g = dy·γ_c, invCount = 1/n. Units: planes.
    /// </summary>
    public static void InputGradient<T>(Index1D t, Loop loop, NormShape s, ArrayView<T> x, ArrayView<T> mean, ArrayView<T> rstd, ArrayView<T> dy,
        ArrayView<T> gamma, ArrayView<T> sums, ArrayView<T> dx, T beta, T invCount, int centred)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = s.Planes;
        for (int first = loop.First(t); first < n; first += loop.Step)
            InputGradientUnits(s, x, mean, rstd, dy, gamma, sums, dx, beta, invCount, centred, first, Math.Min(first + loop.Span, n));
    }

    // The units, shared by the generic kernels and (run as ordinary .NET code) the CPU bodies.

    // The planes of statistic u in the fixed order: images then channels (BatchNorm), or the group's channels (GroupNorm);
    // plane k of the statistic's planeCount starts at PlaneStart(s, u, k)·Plane.
    static int PlaneCount(in NormShape s) => s.Batchwise ? s.Batch : s.GroupChannels;

    static long PlaneStart(in NormShape s, int u, int k) => s.Batchwise
        ? ((long)k * s.Channels + u) * s.Plane
        : ((long)(u / s.Groups) * s.Channels + (u % s.Groups) * s.GroupChannels + k) * s.Plane;

    /// <summary><see cref="Statistics{T}"/> for statistics [u0, u1).</summary>
    public static void StatisticsUnits<T>(in NormShape s, ArrayView<T> x, ArrayView<T> mean, ArrayView<T> variance, ArrayView<T> rstd,
        T invCount, T eps, int u0, int u1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int planes = PlaneCount(s);
        for (int u = u0; u < u1; u++)
        {
            T sum = T.Zero;
            for (int k = 0; k < planes; k++)
            {
                long o = PlaneStart(s, u, k);
                for (int p = 0; p < s.Plane; p++) sum += x[o + p];
            }
            T m = sum * invCount;
            T sq = T.Zero;
            for (int k = 0; k < planes; k++)
            {
                long o = PlaneStart(s, u, k);
                for (int p = 0; p < s.Plane; p++)
                {
                    T d = x[o + p] - m;
                    sq += d * d;
                }
            }
            T v = sq * invCount;
            mean[u] = m;
            variance[u] = v;
            rstd[u] = T.One / T.Sqrt(v + eps);
        }
    }

    /// <summary><see cref="Normalize{T}"/> for planes [u0, u1), plane u = image·Channels + channel.</summary>
    public static void NormalizeUnits<T>(in NormShape s, ArrayView<T> x, ArrayView<T> mean, ArrayView<T> rstd, ArrayView<T> gamma,
        ArrayView<T> beta, ArrayView<T> y, int u0, int u1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int u = u0; u < u1; u++)
        {
            int b = u / s.Channels, c = u - b * s.Channels, k = s.StatisticOf(b, c);
            T m = mean[k], r = rstd[k], g = gamma[c], sh = beta[c];
            long o = (long)u * s.Plane;
            for (int p = 0; p < s.Plane; p++) y[o + p] = g * ((x[o + p] - m) * r) + sh;
        }
    }

    /// <summary><see cref="AffineGradients{T}"/> for channels [c0, c1).</summary>
    public static void AffineGradientsUnits<T>(in NormShape s, ArrayView<T> x, ArrayView<T> mean, ArrayView<T> rstd, ArrayView<T> dy,
        ArrayView<T> dgamma, T betaGamma, ArrayView<T> dbeta, T betaBeta, int c0, int c1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int c = c0; c < c1; c++)
        {
            T sg = T.Zero, sb = T.Zero;
            for (int b = 0; b < s.Batch; b++)
            {
                int k = s.StatisticOf(b, c);
                T m = mean[k], r = rstd[k];
                long o = ((long)b * s.Channels + c) * s.Plane;
                for (int p = 0; p < s.Plane; p++)
                {
                    T g = dy[o + p];
                    sg += g * ((x[o + p] - m) * r);
                    sb += g;
                }
            }
            if (dgamma.Length > 0) Beta.Blend(dgamma, c, betaGamma, sg);
            if (dbeta.Length > 0) Beta.Blend(dbeta, c, betaBeta, sb);
        }
    }

    /// <summary><see cref="GradientSums{T}"/> for statistics [u0, u1).</summary>
    public static void GradientSumsUnits<T>(in NormShape s, ArrayView<T> x, ArrayView<T> mean, ArrayView<T> rstd, ArrayView<T> dy,
        ArrayView<T> gamma, ArrayView<T> sums, int u0, int u1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int planes = PlaneCount(s);
        for (int u = u0; u < u1; u++)
        {
            T m = mean[u], r = rstd[u], s1 = T.Zero, s2 = T.Zero;
            for (int k = 0; k < planes; k++)
            {
                long o = PlaneStart(s, u, k);
                int c = (int)(o / s.Plane % s.Channels);
                T gm = gamma[c];
                for (int p = 0; p < s.Plane; p++)
                {
                    T g = dy[o + p] * gm;
                    s1 += g;
                    s2 += g * ((x[o + p] - m) * r);
                }
            }
            sums[2 * u] = s1;
            sums[2 * u + 1] = s2;
        }
    }

    /// <summary><see cref="InputGradient{T}"/> for planes [u0, u1).</summary>
    public static void InputGradientUnits<T>(in NormShape s, ArrayView<T> x, ArrayView<T> mean, ArrayView<T> rstd, ArrayView<T> dy,
        ArrayView<T> gamma, ArrayView<T> sums, ArrayView<T> dx, T beta, T invCount, int centred, int u0, int u1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int u = u0; u < u1; u++)
        {
            int b = u / s.Channels, c = u - b * s.Channels, k = s.StatisticOf(b, c);
            T m = mean[k], r = rstd[k], gm = gamma[c];
            T meanG = centred != 0 ? sums[2 * k] * invCount : T.Zero, meanGx = centred != 0 ? sums[2 * k + 1] * invCount : T.Zero;
            long o = (long)u * s.Plane;
            for (int p = 0; p < s.Plane; p++)
            {
                T g = dy[o + p] * gm;
                T v = centred != 0 ? r * (g - meanG - (x[o + p] - m) * r * meanGx) : r * g;
                Beta.Blend(dx, o + p, beta, v);
            }
        }
    }
}

/// <summary>Plain double-precision BatchNorm2d and GroupNorm from the definitions (4-D loops, statistics gathered per group of values).</summary>
public static class NormReference
{
    // The flat indices of statistic u's values.
    static IEnumerable<long> Members(NormShape s, int u)
    {
        for (int b = 0; b < s.Batch; b++)
            for (int c = 0; c < s.Channels; c++)
                if (s.StatisticOf(b, c) == u)
                    for (int p = 0; p < s.Plane; p++) yield return ((long)b * s.Channels + c) * s.Plane + p;
    }

    /// <summary>The batch statistics: per statistic the mean and the biased variance.</summary>
    public static (double[] Mean, double[] Variance) Statistics(NormShape s, double[] x)
    {
        var mean = new double[s.Statistics];
        var variance = new double[s.Statistics];
        for (int u = 0; u < s.Statistics; u++)
        {
            var v = Members(s, u).Select(i => x[i]).ToArray();
            mean[u] = v.Average();
            variance[u] = v.Select(a => (a - mean[u]) * (a - mean[u])).Average();
        }
        return (mean, variance);
    }

    /// <summary>y = γ_c·(x − μ)/√(σ² + ε) + β_c with the given statistics (the batch's in training, BatchNorm's running ones in evaluation).</summary>
    public static double[] Forward(NormShape s, double[] x, double[] gamma, double[] beta, double[] mean, double[] variance, double eps)
    {
        var y = new double[s.Length];
        for (int b = 0; b < s.Batch; b++)
            for (int c = 0; c < s.Channels; c++)
            {
                int u = s.StatisticOf(b, c);
                for (int p = 0; p < s.Plane; p++)
                {
                    long i = ((long)b * s.Channels + c) * s.Plane + p;
                    y[i] = gamma[c] * (x[i] - mean[u]) / Math.Sqrt(variance[u] + eps) + beta[c];
                }
            }
        return y;
    }

    /// <summary>
    /// (dx, dγ, dβ) of Σ dy·y. With <paramref name="running"/> null the statistics are the batch's and depend on x (the chain
    /// rule through μ and σ² written out term by term); otherwise they are the given constants (mean, variance).
    /// </summary>
    public static (double[] Dx, double[] DGamma, double[] DBeta) Backward(NormShape s, double[] x, double[] gamma, double[] dy, double eps,
        (double[] Mean, double[] Variance)? running = null)
    {
        var (mean, variance) = running ?? Statistics(s, x);
        var dx = new double[s.Length];
        var dgamma = new double[s.Channels];
        var dbeta = new double[s.Channels];
        for (int u = 0; u < s.Statistics; u++)
        {
            var members = Members(s, u).ToArray();
            double n = members.Length, sd = Math.Sqrt(variance[u] + eps);
            int C(long i) => (int)(i / s.Plane % s.Channels);
            // ∂L/∂x̂_i = dy_i·γ; ∂L/∂σ² = Σ ∂L/∂x̂·(x − μ)·(−½)(σ² + ε)^(−3/2); ∂L/∂μ = Σ −∂L/∂x̂/sd (+ ∂L/∂σ²·Σ −2(x − μ)/n, which is 0).
            double dVar = 0, dMean = 0;
            foreach (long i in members)
            {
                double dxh = dy[i] * gamma[C(i)];
                dVar += dxh * (x[i] - mean[u]) * -0.5 / (sd * sd * sd);
                dMean -= dxh / sd;
            }
            foreach (long i in members)
            {
                double dxh = dy[i] * gamma[C(i)];
                dx[i] = running is null ? dxh / sd + dVar * 2 * (x[i] - mean[u]) / n + dMean / n : dxh / sd;
                dgamma[C(i)] += dy[i] * (x[i] - mean[u]) / sd;
                dbeta[C(i)] += dy[i];
            }
        }
        return (dx, dgamma, dbeta);
    }
}
