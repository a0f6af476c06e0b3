using ILGPU.IR.Intrinsics;
using static IlgpuAe.Kernels.CpuIntrinsics;

namespace IlgpuAe.Kernels;

// The CPU-accelerator bodies of BCE-with-logits (see CpuIntrinsics).
public static partial class LossKernels
{
    /// <summary>ℓ_r = Σ_c max(z,0) − z·x + log(1 + e^−|z|)  (loop over rows; as <see cref="BceWithLogitsForward{T}"/>)</summary>
    public static void CpuBceForward(Index1D t, Loop loop, ArrayView<float> logits, ArrayView<float> target, ArrayView<float> rowLoss, int cols)
    {
        int rows = (int)rowLoss.Length;
        for (int b = loop.First(t); b < rows; b += loop.Step) BceForwardRun(logits, target, rowLoss, cols, b, loop.End(b, rows));
    }

    /// <summary>dz = beta·dz + g·scale·(σ(z) − x), g = gradOut[0]  (as <see cref="BceWithLogitsBackward{T}"/>)</summary>
    public static void CpuBceBackward(Index1D t, Loop loop, ArrayView<float> logits, ArrayView<float> target, ArrayView<float> gradOut,
        ArrayView<float> dLogits, float scale, float beta)
    {
        int n = (int)logits.Length;
        float gs = gradOut[0] * scale;
        for (int b = loop.First(t); b < n; b += loop.Step) BceBackwardRun(logits, target, dLogits, gs, beta, b, loop.End(b, n));
    }

    /// <summary>
    /// ℓ_r = Σ_c max(z,0) − z·x + log(1 + e^−|z|) (walk `rows`);  dz = gs·(σ(z) − x), overwritten (walk `elements`): the two bodies above
    /// in one launch, each over its own walk, so the bits are theirs  (as <see cref="BceWithLogitsValueAndGrad{T}"/>)
    /// </summary>
    public static void CpuBceValueAndGrad(Index1D t, Loop rows, Loop elements, ArrayView<float> logits, ArrayView<float> target,
        ArrayView<float> rowLoss, ArrayView<float> dLogits, int cols, float gs)
    {
        if (t < rows.Threads)
        {
            int count = (int)rowLoss.Length;
            for (int b = rows.First(t); b < count; b += rows.Step) BceForwardRun(logits, target, rowLoss, cols, b, rows.End(b, count));
        }
        if (t >= elements.Threads) return;
        int n = (int)logits.Length;
        for (int b = elements.First(t); b < n; b += elements.Step) BceBackwardRun(logits, target, dLogits, gs, 0f, b, elements.End(b, n));
    }

    /// <summary>rowLoss[r] = Σ_c max(z,0) − z·x + log(1 + e^−|z|) for rows [r0, r1) of logits [rows, cols].</summary>
    [IntrinsicImplementation]
    public static void BceForwardRun(ArrayView<float> logits, ArrayView<float> target, ArrayView<float> rowLoss, int cols, int r0, int r1) =>
        CpuBodies.BceForward(logits, target, rowLoss, cols, r0, r1);

    /// <summary>dz[i] = beta·dz[i] + gs·(σ(z[i]) − x[i]) over [start, end); gs is the upstream gradient times the scale.</summary>
    [IntrinsicImplementation]
    public static void BceBackwardRun(ArrayView<float> logits, ArrayView<float> target, ArrayView<float> dLogits, float gs, float beta,
        int start, int end) =>
        CpuBodies.BceBackward(logits, target, dLogits, gs, beta, start, end);

    /// <summary>The one-row-at-a-time twin of <see cref="BceForwardRun"/> that PTX and OpenCL compile.</summary>
    public static void BceForwardRunScalar(ArrayView<float> logits, ArrayView<float> target, ArrayView<float> rowLoss, int cols, int r0, int r1)
    {
        for (int r = r0; r < r1; r++) rowLoss[r] = CompensatedSum<float>.OfBlocks(new BceTerms<float>(logits, target, (long)r * cols), cols);
    }

    /// <summary>The one-element-at-a-time twin of <see cref="BceBackwardRun"/> that PTX and OpenCL compile.</summary>
    public static void BceBackwardRunScalar(ArrayView<float> logits, ArrayView<float> target, ArrayView<float> dLogits, float gs, float beta,
        int start, int end)
    {
        for (int i = start; i < end; i++) Beta.Blend(dLogits, i, beta, gs * (SigmoidAct<float>.Forward(logits[i], 0) - target[i]));
    }

    internal static void RegisterCpuTwins(ILGPU.Context context)
    {
        Redirect(context, typeof(LossKernels), nameof(BceForwardRun), nameof(BceForwardRunScalar));
        Redirect(context, typeof(LossKernels), nameof(BceBackwardRun), nameof(BceBackwardRunScalar));
    }

    // The ordinary .NET bodies behind the helpers; never seen by ILGPU's compiler.
    static unsafe class CpuBodies
    {
        public static void BceForward(ArrayView<float> zv, ArrayView<float> xv, ArrayView<float> lossv, int cols, int r0, int r1)
        {
            if (r1 <= r0) return;
            float* z = Ptr(zv), x = Ptr(xv), loss = Ptr(lossv);
            var one = Vector<float>.One;
            for (int r = r0; r < r1; r++)
            {
                float* zr = z + (long)r * cols, xr = x + (long)r * cols;
                var total = new CompensatedSum<float>();
                int c = 0;
                // Whole blocks of Blocked.Size features in one vector accumulator; each block's lanes summed and folded in.
                for (; c <= cols - Blocked.Size; c += Blocked.Size)
                {
                    Vector<float> acc = default;
                    for (int k = c, stop = c + Blocked.Size; k < stop; k += W) acc += Term(Vector.Load(zr + k), Vector.Load(xr + k), one);
                    total.Add(Vector.Sum(acc));
                }
                Vector<float> rest = default;
                for (; c <= cols - W; c += W) rest += Term(Vector.Load(zr + c), Vector.Load(xr + c), one);
                float tail = Vector.Sum(rest);
                var terms = new BceTerms<float>(zv, xv, (long)r * cols);
                for (; c < cols; c++) tail += terms.Term(c);
                total.Add(tail);
                loss[r] = total.Value;
            }
        }

        // max(z, 0) − z·x + log(1 + e^−|z|), lane by lane
        static Vector<float> Term(Vector<float> zz, Vector<float> xx, Vector<float> one) =>
            Vector.Max(zz, Vector<float>.Zero) - zz * xx + Vector.Log(one + Vector.Exp(-Vector.Abs(zz)));

        public static void BceBackward(ArrayView<float> zv, ArrayView<float> xv, ArrayView<float> dv, float gs, float beta, int start, int end)
        {
            if (end <= start) return;
            float* z = Ptr(zv), x = Ptr(xv), d = Ptr(dv);
            var one = Vector<float>.One;
            var vgs = new Vector<float>(gs);
            int i = start;
            for (; i <= end - W; i += W)
            {
                var zz = Vector.Load(z + i);
                // σ(z) from e = e^−|z| ≤ 1, which never overflows: 1/(1+e) for z ≥ 0, e/(1+e) below.
                var e = Vector.Exp(-Vector.Abs(zz));
                var sigma = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(zz, Vector<float>.Zero), one, e) / (one + e);
                Blend(d + i, beta, vgs * (sigma - Vector.Load(x + i)));
            }
            for (; i < end; i++)
            {
                float g = gs * (SigmoidAct<float>.Forward(z[i], 0) - x[i]);
                d[i] = beta == 0 ? g : beta * d[i] + g;
            }
        }
    }
}
