using ILGPU.IR.Intrinsics;
using static IlgpuAe.Kernels.CpuIntrinsics;

namespace IlgpuAe.Kernels;

/// <summary>Adam's per-step scalars for the CPU body, in one element of device memory (the host uploads each step's).</summary>
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

// The CPU-accelerator body of Adam (see CpuIntrinsics).
public static partial class OptimizerKernels
{
    /// <summary>
    /// g' = g + L2·p;  m = β1·m + (1−β1)·g';  v = β2·v + (1−β2)·g'²;  p = p − lr·[(m/bias1)/(√(v/bias2) + ε) + shrink·p]
    /// (as <see cref="Adam{T}"/>; L2 = wd for Adam, shrink = wd for AdamW; s = step[0])
    /// </summary>
    public static void CpuAdam(Index1D t, Loop loop, ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v,
        ArrayView<AdamScalars> step, ArrayView<long> gate)
    {
        if (gate[0] != 0) return; // shut by CheckFinite: the parameters stay as they were
        AdamScalars s = step[0];
        int n = (int)p.Length;
        for (int b = loop.First(t); b < n; b += loop.Step) AdamRun(p, g, m, v, s, b, loop.End(b, n));
    }

    /// <summary>Adam on elements [start, end); on the CPU the vectorised .NET body, elsewhere <see cref="AdamRunScalar"/>.</summary>
    [IntrinsicImplementation]
    public static void AdamRun(ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v, AdamScalars s, int start, int end) =>
        CpuBodies.Adam(p, g, m, v, s, start, end);

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

    internal static void RegisterCpuTwins(ILGPU.Context context) =>
        Redirect(context, typeof(OptimizerKernels), nameof(AdamRun), nameof(AdamRunScalar));

    // The ordinary .NET body behind the helper; never seen by ILGPU's compiler.
    static unsafe class CpuBodies
    {
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
            AdamRunScalar(pv, gv, mv, vv, s, i, end);
        }
    }
}
