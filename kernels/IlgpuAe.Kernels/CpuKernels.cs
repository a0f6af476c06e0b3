using System.Numerics;
using System.Reflection;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.IR;
using ILGPU.IR.Intrinsics;

namespace IlgpuAe.Kernels;

/// <summary>Adam's per-step scalars in one argument (ILGPU's launchers stop at 13 arguments).</summary>
public readonly struct AdamScalars
{
    /// <summary>
    /// lr, β1, β2, ε; L2 (decay added to g, Adam) and Shrink (decay applied to p, AdamW), one of them 0;
    /// Bias1 = 1 − β1^t and Bias2 = 1 − β2^t, the bias corrections at the 1-based step t.
    /// </summary>
    public readonly float Lr, Beta1, Beta2, Eps, L2, Shrink, Bias1, Bias2;

    /// <summary><paramref name="decoupled"/> puts the weight decay on p directly (AdamW) rather than into g.</summary>
    public AdamScalars(float lr, float beta1, float beta2, float eps, float weightDecay, float bias1, float bias2, bool decoupled)
    {
        Lr = lr; Beta1 = beta1; Beta2 = beta2; Eps = eps; Bias1 = bias1; Bias2 = bias2;
        L2 = decoupled ? 0f : weightDecay;
        Shrink = decoupled ? weightDecay : 0f;
    }
}

/// <summary>
/// Float kernels for ILGPU's CPU accelerator: the same formulas as the generic kernels they stand in for, but
/// each thread hands its contiguous runs to a helper that ILGPU treats as an intrinsic, so that the CPU runs the
/// helper's ordinary .NET body (pointers and <see cref="Vector{T}"/>) instead of ILGPU's element-at-a-time code:
/// measured here at 1-3% of a memory copy's bandwidth for the generic kernels. PTX and OpenCL are redirected to
/// each helper's scalar twin (<see cref="RegisterIntrinsics"/>), so the kernels still compile for a GPU, where the
/// generic kernels run instead. Reductions keep a fixed order per launch shape, so results repeat bit for bit.
/// </summary>
public static class CpuKernels
{
    /// <summary>
    /// g' = g + L2·p;  m = β1·m + (1−β1)·g';  v = β2·v + (1−β2)·g'²;  p = p − lr·[(m/bias1)/(√(v/bias2) + ε) + shrink·p]
    /// (as <see cref="OptimizerKernels.Adam{T}"/>; L2 = wd for Adam, shrink = wd for AdamW)
    /// </summary>
    public static void Adam(Index1D t, Loop loop, ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v, AdamScalars s)
    {
        int n = (int)p.Length;
        for (int b = loop.First(t); b < n; b += loop.Step) AdamRun(p, g, m, v, s, b, Math.Min(b + loop.Span, n));
    }

    /// <summary>partial[t] = Σ x[i]² over the elements thread t owns (phase 1 of a squared L2 norm; phase 2 is SumPartials)</summary>
    public static void SquaredNorm(Index1D t, Loop loop, ArrayView<float> x, ArrayView<float> partial)
    {
        int n = (int)x.Length;
        float acc = 0;
        for (int b = loop.First(t); b < n; b += loop.Step) acc += SquaredNormRun(x, b, Math.Min(b + loop.Span, n));
        partial[t] = acc;
    }

    /// <summary>
    /// y[c] = beta·y[c] + scale·Σ_r x[r, c]  (loop over columns). Rows are added in ascending order for every column, as in
    /// <see cref="ReductionKernels.ColumnSums{T}"/>, but a thread sweeps its columns row by row, so reads are contiguous.
    /// </summary>
    public static void ColumnSums(Index1D t, Loop loop, ArrayView<float> x, ArrayView<float> y, int rows, float scale, float beta)
    {
        int cols = (int)y.Length;
        for (int b = loop.First(t); b < cols; b += loop.Step) ColumnSumsRun(x, y, rows, cols, scale, beta, b, Math.Min(b + loop.Span, cols));
    }

    /// <summary>y[i] = f(x[i]; a), f named by <paramref name="activation"/> (an <see cref="Activation"/> value)</summary>
    public static void ActivationForward(Index1D t, Loop loop, ArrayView<float> x, ArrayView<float> y, float a, int activation)
    {
        int n = (int)x.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            ActivationForwardRun(x, y, a, activation, b, Math.Min(b + loop.Span, n));
    }

    /// <summary>dx[i] = beta·dx[i] + dy[i]·f'(y[i]; a), f named by <paramref name="activation"/> (an <see cref="Activation"/> value)</summary>
    public static void ActivationBackward(Index1D t, Loop loop, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx,
        float a, float beta, int activation)
    {
        int n = (int)y.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            ActivationBackwardRun(y, dy, dx, a, beta, activation, b, Math.Min(b + loop.Span, n));
    }

    /// <summary>ℓ_r = Σ_c max(z,0) − z·x + log(1 + e^−|z|)  (loop over rows; as <see cref="LossKernels.BceWithLogitsForward{T}"/>)</summary>
    public static void BceForward(Index1D t, Loop loop, ArrayView<float> logits, ArrayView<float> target, ArrayView<float> rowLoss, int cols)
    {
        int rows = (int)rowLoss.Length;
        for (int b = loop.First(t); b < rows; b += loop.Step)
            BceForwardRun(logits, target, rowLoss, cols, b, Math.Min(b + loop.Span, rows));
    }

    /// <summary>dz = beta·dz + g·scale·(σ(z) − x), g = gradOut[0]  (as <see cref="LossKernels.BceWithLogitsBackward{T}"/>)</summary>
    public static void BceBackward(Index1D t, Loop loop, ArrayView<float> logits, ArrayView<float> target, ArrayView<float> gradOut,
        ArrayView<float> dLogits, float scale, float beta)
    {
        int n = (int)logits.Length;
        float gs = gradOut[0] * scale;
        for (int b = loop.First(t); b < n; b += loop.Step)
            BceBackwardRun(logits, target, dLogits, gs, beta, b, Math.Min(b + loop.Span, n));
    }

    /// <summary>
    /// y[i] = mean + std·√(−2 ln u1)·cos(2π u2) from Philox(seed, stream, first + i), bit for bit as
    /// <see cref="RandomKernels.Normal{T}"/> at T = float (the uniforms come out of one exact integer-to-float conversion
    /// instead of the generic 23-step Horner loop, which gives the same float).
    /// </summary>
    public static void Normal(Index1D t, Loop loop, ArrayView<float> y, ulong seed, ulong stream, ulong first, float mean, float std)
    {
        int n = (int)y.Length;
        for (int b = loop.First(t); b < n; b += loop.Step) NormalRun(y, seed, stream, first, mean, std, b, Math.Min(b + loop.Span, n));
    }

    /// <summary>y[i] = x[i] + std·N(0,1) from Philox(seed, stream, first + i), bit for bit as <see cref="CorruptionKernels.GaussianNoise{T}"/> at T = float.</summary>
    public static void GaussianNoise(Index1D t, Loop loop, ArrayView<float> x, ArrayView<float> y, ulong seed, ulong stream, ulong first, float std)
    {
        int n = (int)x.Length;
        for (int b = loop.First(t); b < n; b += loop.Step) GaussianNoiseRun(x, y, seed, stream, first, std, b, Math.Min(b + loop.Span, n));
    }

    /// <summary>y[i] = 0 if U(words 0, 2) &lt; dropProb else x[i], bit for bit as <see cref="CorruptionKernels.MaskingNoise{T}"/> at T = float.</summary>
    public static void MaskingNoise(Index1D t, Loop loop, ArrayView<float> x, ArrayView<float> y, ulong seed, ulong stream, ulong first, float dropProb)
    {
        int n = (int)x.Length;
        for (int b = loop.First(t); b < n; b += loop.Step) MaskingNoiseRun(x, y, seed, stream, first, dropProb, b, Math.Min(b + loop.Span, n));
    }

    // The helpers: [IntrinsicImplementation] makes ILGPU's CPU accelerator call the .NET body as it is.

    /// <summary>Gaussian corruption over [start, end); on the CPU the .NET body, elsewhere <see cref="GaussianNoiseRunScalar"/>.</summary>
    [IntrinsicImplementation]
    public static void GaussianNoiseRun(ArrayView<float> x, ArrayView<float> y, ulong seed, ulong stream, ulong first, float std, int start, int end) =>
        CpuBodies.GaussianNoise(x, y, seed, stream, first, std, start, end);

    /// <summary>Masking corruption over [start, end); on the CPU the .NET body, elsewhere <see cref="MaskingNoiseRunScalar"/>.</summary>
    [IntrinsicImplementation]
    public static void MaskingNoiseRun(ArrayView<float> x, ArrayView<float> y, ulong seed, ulong stream, ulong first, float dropProb, int start, int end) =>
        CpuBodies.MaskingNoise(x, y, seed, stream, first, dropProb, start, end);

    /// <summary>The generic twin of <see cref="GaussianNoiseRun"/> that PTX and OpenCL compile.</summary>
    public static void GaussianNoiseRunScalar(ArrayView<float> x, ArrayView<float> y, ulong seed, ulong stream, ulong first, float std, int start, int end)
    {
        for (int i = start; i < end; i++) y[i] = x[i] + std * Philox.Gaussian<float>(seed, stream, first + (ulong)i);
    }

    /// <summary>The generic twin of <see cref="MaskingNoiseRun"/> that PTX and OpenCL compile.</summary>
    public static void MaskingNoiseRunScalar(ArrayView<float> x, ArrayView<float> y, ulong seed, ulong stream, ulong first, float dropProb, int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            var r = Philox.Generate(seed, stream, first + (ulong)i);
            y[i] = Philox.Unit<float>(r.X0, r.X2) < dropProb ? 0f : x[i];
        }
    }

    /// <summary>y[i] = mean + std·N(0,1) from Philox(seed, stream, first + i) over [start, end); on the CPU the .NET body, elsewhere <see cref="NormalRunScalar"/>.</summary>
    [IntrinsicImplementation]
    public static void NormalRun(ArrayView<float> y, ulong seed, ulong stream, ulong first, float mean, float std, int start, int end) =>
        CpuBodies.Normal(y, seed, stream, first, mean, std, start, end);

    /// <summary>Adam on elements [start, end); on the CPU the vectorised .NET body, elsewhere <see cref="AdamRunScalar"/>.</summary>
    [IntrinsicImplementation]
    public static void AdamRun(ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v, AdamScalars s, int start, int end) =>
        CpuBodies.Adam(p, g, m, v, s, start, end);

    /// <summary>Σ x[i]² over [start, end); on the CPU the vectorised .NET body, elsewhere <see cref="SquaredNormRunScalar"/>.</summary>
    [IntrinsicImplementation]
    public static float SquaredNormRun(ArrayView<float> x, int start, int end) => CpuBodies.SquaredNorm(x, start, end);

    /// <summary>y[c] = beta·y[c] + scale·Σ_r x[r, c] for columns [c0, c1) of x [rows, cols]; rows in ascending order.</summary>
    [IntrinsicImplementation]
    public static void ColumnSumsRun(ArrayView<float> x, ArrayView<float> y, int rows, int cols, float scale, float beta, int c0, int c1) =>
        CpuBodies.ColumnSums(x, y, rows, cols, scale, beta, c0, c1);

    /// <summary>Activation forward on elements [start, end); on the CPU the vectorised .NET body, elsewhere <see cref="ActivationForwardRunScalar"/>.</summary>
    [IntrinsicImplementation]
    public static void ActivationForwardRun(ArrayView<float> x, ArrayView<float> y, float a, int activation, int start, int end) =>
        CpuBodies.ActivationForward(x, y, a, activation, start, end);

    /// <summary>dx[i] = beta·dx[i] + dy[i]·f'(y[i]; a) over [start, end), f the <see cref="Activation"/> numbered <paramref name="activation"/>.</summary>
    [IntrinsicImplementation]
    public static void ActivationBackwardRun(ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, float a, float beta,
        int activation, int start, int end) =>
        CpuBodies.ActivationBackward(y, dy, dx, a, beta, activation, start, end);

    /// <summary>rowLoss[r] = Σ_c max(z,0) − z·x + log(1 + e^−|z|) for rows [r0, r1) of logits [rows, cols].</summary>
    [IntrinsicImplementation]
    public static void BceForwardRun(ArrayView<float> logits, ArrayView<float> target, ArrayView<float> rowLoss, int cols, int r0, int r1) =>
        CpuBodies.BceForward(logits, target, rowLoss, cols, r0, r1);

    /// <summary>dz[i] = beta·dz[i] + gs·(σ(z[i]) − x[i]) over [start, end); gs is the upstream gradient times the scale.</summary>
    [IntrinsicImplementation]
    public static void BceBackwardRun(ArrayView<float> logits, ArrayView<float> target, ArrayView<float> dLogits, float gs, float beta,
        int start, int end) =>
        CpuBodies.BceBackward(logits, target, dLogits, gs, beta, start, end);

    // Their scalar twins: what PTX and OpenCL compile in their place (same formulas, one element at a time).

    /// <summary>The one-element-at-a-time twin of <see cref="AdamRun"/> that PTX and OpenCL compile.</summary>
    public static void AdamRunScalar(ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v, AdamScalars s, int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            float w = p[i];
            float gi = g[i] + s.L2 * w;
            float mi = s.Beta1 * m[i] + (1f - s.Beta1) * gi;
            float vi = s.Beta2 * v[i] + (1f - s.Beta2) * gi * gi;
            m[i] = mi;
            v[i] = vi;
            p[i] = w - s.Lr * (mi / s.Bias1 / (MathF.Sqrt(vi / s.Bias2) + s.Eps) + s.Shrink * w);
        }
    }

    /// <summary>The one-element-at-a-time twin of <see cref="NormalRun"/> that PTX and OpenCL compile (the generic formula).</summary>
    public static void NormalRunScalar(ArrayView<float> y, ulong seed, ulong stream, ulong first, float mean, float std, int start, int end)
    {
        for (int i = start; i < end; i++) y[i] = mean + std * Philox.Gaussian<float>(seed, stream, first + (ulong)i);
    }

    /// <summary>The one-element-at-a-time twin of <see cref="SquaredNormRun"/> that PTX and OpenCL compile.</summary>
    public static float SquaredNormRunScalar(ArrayView<float> x, int start, int end)
    {
        float acc = 0;
        for (int i = start; i < end; i++) acc += x[i] * x[i];
        return acc;
    }

    /// <summary>The one-element-at-a-time twin of <see cref="ColumnSumsRun"/> that PTX and OpenCL compile.</summary>
    public static void ColumnSumsRunScalar(ArrayView<float> x, ArrayView<float> y, int rows, int cols, float scale, float beta, int c0, int c1)
    {
        for (int c = c0; c < c1; c++)
        {
            float acc = 0;
            for (int r = 0; r < rows; r++) acc += x[(long)r * cols + c];
            y[c] = beta == 0 ? scale * acc : beta * y[c] + scale * acc;
        }
    }

    /// <summary>The one-element-at-a-time twin of <see cref="ActivationForwardRun"/> that PTX and OpenCL compile.</summary>
    public static void ActivationForwardRunScalar(ArrayView<float> x, ArrayView<float> y, float a, int activation, int start, int end)
    {
        for (int i = start; i < end; i++) y[i] = Forward(activation, x[i], a);
    }

    /// <summary>The one-element-at-a-time twin of <see cref="ActivationBackwardRun"/> that PTX and OpenCL compile.</summary>
    public static void ActivationBackwardRunScalar(ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, float a, float beta,
        int activation, int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            float d = Derivative(activation, y[i], a);
            dx[i] = beta == 0 ? dy[i] * d : beta * dx[i] + dy[i] * d;
        }
    }

    /// <summary>The one-row-at-a-time twin of <see cref="BceForwardRun"/> that PTX and OpenCL compile.</summary>
    public static void BceForwardRunScalar(ArrayView<float> logits, ArrayView<float> target, ArrayView<float> rowLoss, int cols, int r0, int r1)
    {
        for (int r = r0; r < r1; r++)
        {
            float acc = 0;
            long o = (long)r * cols;
            for (int c = 0; c < cols; c++)
            {
                float z = logits[o + c];
                acc += (z > 0 ? z : 0) - z * target[o + c] + MathF.Log(1f + MathF.Exp(-MathF.Abs(z)));
            }
            rowLoss[r] = acc;
        }
    }

    /// <summary>The one-element-at-a-time twin of <see cref="BceBackwardRun"/> that PTX and OpenCL compile.</summary>
    public static void BceBackwardRunScalar(ArrayView<float> logits, ArrayView<float> target, ArrayView<float> dLogits, float gs, float beta,
        int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            float d = gs * (SigmoidAct<float>.Forward(logits[i], 0) - target[i]);
            dLogits[i] = beta == 0 ? d : beta * dLogits[i] + d;
        }
    }

    /// <summary>f(x; a) of the activation numbered <paramref name="activation"/> (an <see cref="Activation"/> value), as in <see cref="IActivation{T}"/>.</summary>
    public static float Forward(int activation, float x, float a) => activation switch
    {
        (int)Activation.Relu => ReluAct<float>.Forward(x, a),
        (int)Activation.LeakyRelu => LeakyReluAct<float>.Forward(x, a),
        (int)Activation.Sigmoid => SigmoidAct<float>.Forward(x, a),
        (int)Activation.Tanh => TanhAct<float>.Forward(x, a),
        (int)Activation.Softplus => SoftplusAct<float>.Forward(x, a),
        (int)Activation.Elu => EluAct<float>.Forward(x, a),
        _ => x,
    };

    /// <summary>f'(y; a) of the activation numbered <paramref name="activation"/>, written from the output as in <see cref="IActivation{T}"/>.</summary>
    public static float Derivative(int activation, float y, float a) => activation switch
    {
        (int)Activation.Relu => ReluAct<float>.Derivative(y, a),
        (int)Activation.LeakyRelu => LeakyReluAct<float>.Derivative(y, a),
        (int)Activation.Sigmoid => SigmoidAct<float>.Derivative(y, a),
        (int)Activation.Tanh => TanhAct<float>.Derivative(y, a),
        (int)Activation.Softplus => SoftplusAct<float>.Derivative(y, a),
        (int)Activation.Elu => EluAct<float>.Derivative(y, a),
        _ => 1f,
    };

    /// <summary>
    /// Tells a context's PTX and OpenCL backends to compile each helper's scalar twin wherever the helper is called.
    /// Only needed where these kernels are compiled for a GPU (the offline compile test); the engine launches them
    /// on the CPU accelerator only.
    /// </summary>
    public static void RegisterIntrinsics(Context context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var manager = context.GetIntrinsicManager();
        foreach (var name in new[] { nameof(AdamRun), nameof(SquaredNormRun), nameof(ColumnSumsRun), nameof(ActivationForwardRun), nameof(ActivationBackwardRun),
                     nameof(BceForwardRun), nameof(BceBackwardRun), nameof(NormalRun), nameof(GaussianNoiseRun), nameof(MaskingNoiseRun) })
        {
            var helper = typeof(CpuKernels).GetMethod(name, BindingFlags.Public | BindingFlags.Static)!;
            manager.RegisterMethod(helper, new PTXIntrinsic(typeof(CpuKernels), name + "Scalar", IntrinsicImplementationMode.Redirect));
            manager.RegisterMethod(helper, new CLIntrinsic(typeof(CpuKernels), name + "Scalar", IntrinsicImplementationMode.Redirect));
        }
    }
}

/// <summary>The ordinary .NET bodies behind <see cref="CpuKernels"/>' helpers; never seen by ILGPU's compiler.</summary>
static unsafe class CpuBodies
{
    static float* Ptr(ArrayView<float> view) => (float*)Unsafe.AsPointer(ref view[0L]);

    static int W => Vector<float>.Count;

    public static void Adam(ArrayView<float> pv, ArrayView<float> gv, ArrayView<float> mv, ArrayView<float> vv, AdamScalars s, int start, int end)
    {
        if (end <= start) return;
        float* p = Ptr(pv), g = Ptr(gv), m = Ptr(mv), v = Ptr(vv);
        var l2 = new Vector<float>(s.L2); var shrink = new Vector<float>(s.Shrink); var lr = new Vector<float>(s.Lr);
        var b1 = new Vector<float>(s.Beta1); var c1 = new Vector<float>(1f - s.Beta1);
        var b2 = new Vector<float>(s.Beta2); var c2 = new Vector<float>(1f - s.Beta2);
        var bias1 = new Vector<float>(s.Bias1); var bias2 = new Vector<float>(s.Bias2); var eps = new Vector<float>(s.Eps);
        int i = start;
        for (; i <= end - W; i += W)
        {
            var w = Vector.Load(p + i);
            var gi = Vector.Load(g + i) + l2 * w;
            var mi = b1 * Vector.Load(m + i) + c1 * gi;
            var vi = b2 * Vector.Load(v + i) + c2 * gi * gi;
            mi.Store(m + i);
            vi.Store(v + i);
            (w - lr * (mi / bias1 / (Vector.SquareRoot(vi / bias2) + eps) + shrink * w)).Store(p + i);
        }
        CpuKernels.AdamRunScalar(pv, gv, mv, vv, s, i, end);
    }

    // (k + ½)·2^−23 with k the top 23 bits of hi:lo: k + ½ has 24 significant bits and the scaling is a power of
    // two, so this is exact and equal to Philox.Unit<float>'s Horner loop, bit for bit.
    static float Unit(uint hi, uint lo) => ((float)(hi >> 9) + 0.5f) * (1f / 8388608f);

    /// <summary>√(−2 ln u1)·cos(2π u2) of Philox(seed, stream, index) words (0, 2) and (1, 3): <see cref="Philox.Gaussian{T}"/>'s float, exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float StandardNormal(ulong seed, ulong stream, ulong index)
    {
        var r = Philox.Generate(seed, stream, index);
        float u1 = Unit(r.X0, r.X2), u2 = Unit(r.X1, r.X3);
        return MathF.Sqrt(-2f * MathF.Log(u1)) * MathF.Cos(2f * MathF.PI * u2);
    }

    public static void Normal(ArrayView<float> yv, ulong seed, ulong stream, ulong first, float mean, float std, int start, int end)
    {
        if (end <= start) return;
        float* y = Ptr(yv);
        for (int i = start; i < end; i++) y[i] = mean + std * StandardNormal(seed, stream, first + (ulong)i);
    }

    public static void GaussianNoise(ArrayView<float> xv, ArrayView<float> yv, ulong seed, ulong stream, ulong first, float std, int start, int end)
    {
        if (end <= start) return;
        float* x = Ptr(xv), y = Ptr(yv);
        for (int i = start; i < end; i++) y[i] = x[i] + std * StandardNormal(seed, stream, first + (ulong)i);
    }

    public static void MaskingNoise(ArrayView<float> xv, ArrayView<float> yv, ulong seed, ulong stream, ulong first, float dropProb, int start, int end)
    {
        if (end <= start) return;
        float* x = Ptr(xv), y = Ptr(yv);
        for (int i = start; i < end; i++)
        {
            var r = Philox.Generate(seed, stream, first + (ulong)i);
            y[i] = Unit(r.X0, r.X2) < dropProb ? 0f : x[i];
        }
    }

    public static float SquaredNorm(ArrayView<float> xv, int start, int end)
    {
        if (end <= start) return 0;
        float* x = Ptr(xv);
        Vector<float> a0 = default, a1 = default;
        int i = start;
        for (; i <= end - 2 * W; i += 2 * W)
        {
            var u = Vector.Load(x + i);
            var w = Vector.Load(x + i + W);
            a0 += u * u;
            a1 += w * w;
        }
        float acc = Vector.Sum(a0 + a1);
        for (; i < end; i++) acc += x[i] * x[i];
        return acc;
    }

    [ThreadStatic] static float[]? _columns;

    public static void ColumnSums(ArrayView<float> xv, ArrayView<float> yv, int rows, int cols, float scale, float beta, int c0, int c1)
    {
        int width = c1 - c0;
        if (width <= 0) return;
        float* x = Ptr(xv), y = Ptr(yv);
        if (_columns is null || _columns.Length < width) _columns = GC.AllocateUninitializedArray<float>(Math.Max(width, 1024), pinned: true);
        fixed (float* acc = _columns)
        {
            new Span<float>(acc, width).Clear();
            // Row after row, each column's sum grows in ascending row order: the scalar kernel's order, element for element.
            for (int r = 0; r < rows; r++)
            {
                float* row = x + (long)r * cols + c0;
                int j = 0;
                for (; j <= width - W; j += W) (Vector.Load(acc + j) + Vector.Load(row + j)).Store(acc + j);
                for (; j < width; j++) acc[j] += row[j];
            }
            for (int j = 0; j < width; j++)
                y[c0 + j] = beta == 0 ? scale * acc[j] : beta * y[c0 + j] + scale * acc[j];
        }
    }

    public static void ActivationForward(ArrayView<float> xv, ArrayView<float> yv, float a, int activation, int start, int end)
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
        for (; i < end; i++) y[i] = CpuKernels.Forward(activation, x[i], a);
    }

    public static void ActivationBackward(ArrayView<float> yv, ArrayView<float> dyv, ArrayView<float> dxv, float a, float beta,
        int activation, int start, int end)
    {
        if (end <= start) return;
        float* y = Ptr(yv), dy = Ptr(dyv), dx = Ptr(dxv);
        int i = start;
        if (activation is (int)Activation.Relu or (int)Activation.Identity or (int)Activation.Sigmoid or (int)Activation.Tanh)
        {
            var vb = new Vector<float>(beta);
            for (; i <= end - W; i += W)
            {
                var g = Vector.Load(dy + i);
                var yy = Vector.Load(y + i);
                // dy·[y > 0] as a select, which also keeps NaN in dy where y > 0, like dy·1.
                if (activation == (int)Activation.Relu) g = Vector.ConditionalSelect(Vector.GreaterThan(yy, Vector<float>.Zero), g, Vector<float>.Zero);
                else if (activation == (int)Activation.Sigmoid) g *= yy * (Vector<float>.One - yy); // as SigmoidAct.Derivative
                else if (activation == (int)Activation.Tanh) g *= Vector<float>.One - yy * yy;         // as TanhAct.Derivative
                (beta == 0 ? g : vb * Vector.Load(dx + i) + g).Store(dx + i);
            }
        }
        for (; i < end; i++)
        {
            float g = dy[i] * CpuKernels.Derivative(activation, y[i], a);
            dx[i] = beta == 0 ? g : beta * dx[i] + g;
        }
    }

    public static void BceForward(ArrayView<float> zv, ArrayView<float> xv, ArrayView<float> lossv, int cols, int r0, int r1)
    {
        if (r1 <= r0) return;
        float* z = Ptr(zv), x = Ptr(xv), loss = Ptr(lossv);
        var one = Vector<float>.One;
        for (int r = r0; r < r1; r++)
        {
            float* zr = z + (long)r * cols, xr = x + (long)r * cols;
            Vector<float> acc = default;
            int c = 0;
            for (; c <= cols - W; c += W)
            {
                var zz = Vector.Load(zr + c);
                acc += Vector.Max(zz, Vector<float>.Zero) - zz * Vector.Load(xr + c) + Vector.Log(one + Vector.Exp(-Vector.Abs(zz)));
            }
            float sum = Vector.Sum(acc);
            for (; c < cols; c++)
            {
                float zz = zr[c];
                sum += (zz > 0 ? zz : 0) - zz * xr[c] + MathF.Log(1f + MathF.Exp(-MathF.Abs(zz)));
            }
            loss[r] = sum;
        }
    }

    public static void BceBackward(ArrayView<float> zv, ArrayView<float> xv, ArrayView<float> dv, float gs, float beta, int start, int end)
    {
        if (end <= start) return;
        float* z = Ptr(zv), x = Ptr(xv), d = Ptr(dv);
        var one = Vector<float>.One;
        var vgs = new Vector<float>(gs);
        var vb = new Vector<float>(beta);
        int i = start;
        for (; i <= end - W; i += W)
        {
            var zz = Vector.Load(z + i);
            // σ(z) from e = e^−|z| ≤ 1, which never overflows: 1/(1+e) for z ≥ 0, e/(1+e) below.
            var e = Vector.Exp(-Vector.Abs(zz));
            var sigma = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(zz, Vector<float>.Zero), one, e) / (one + e);
            var g = vgs * (sigma - Vector.Load(x + i));
            (beta == 0 ? g : vb * Vector.Load(d + i) + g).Store(d + i);
        }
        for (; i < end; i++)
        {
            float g = gs * (SigmoidAct<float>.Forward(z[i], 0) - x[i]);
            d[i] = beta == 0 ? g : beta * d[i] + g;
        }
    }
}
