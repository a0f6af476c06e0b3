namespace IlgpuAe.Kernels;

/// <summary>
/// The contractive penalty ‖∂h/∂x‖²_F. For an encoder h = f(Wx + b) with f elementwise, ∂h/∂x =
/// diag(f'(a))·W, so ‖∂h/∂x‖²_F = Σ_j f'(a_j)²·‖W_j‖² (W_j the j-th row): the fused kernels below,
/// with w_j = ‖W_j‖² from <see cref="WeightNorms{T}"/>. For deeper encoders
/// the Jacobian is built per sample as a chain, J = D_L W_L ··· D_1 W_1, from the code side, so the
/// intermediate is [batch·code, width]: <see cref="RowScale{T}"/> seeds D_L W_L, <see cref="ColumnScale{T}"/>
/// applies D_l on the right, and a GEMM by the shared W_l completes each step.
/// Conventions of <see cref="PenaltyKernels"/>: g = gradOut[0], beta 0 overwrites without reading. The activation
/// arrives as an int (its enum value; see <see cref="ActivationMap"/>) because a kernel generic in two interfaces would
/// need an instantiation per pair.
/// </summary>
public static class ContractiveKernels
{
    /// <summary>
    /// c(y) = d f'(y)/dy, written from the output y like <see cref="IActivation{T}.Derivative"/>: sigmoid 1 − 2y
    /// (f' = y(1 − y)); tanh −2y (f' = 1 − y²); softplus e^−y (f' = 1 − e^−y); ELU 1 where y ≤ 0 (f' = y + a);
    /// identity, ReLU and LeakyReLU 0 (f' piecewise constant). The penalty's gradient needs it:
    /// d/da f'(y(a)) = c(y)·f'(y), so a gradient reaching y through f'(y) continues to the pre-activation through
    /// the layer's ordinary backward.
    /// </summary>
    public static T Curvature<T>(int activation, T y, T a) where T : unmanaged, IFloatingPointIeee754<T> => activation switch
    {
        (int)Activation.Sigmoid => T.One - Num<T>.Two * y,
        (int)Activation.Tanh => -Num<T>.Two * y,
        (int)Activation.Softplus => T.Exp(-y),
        (int)Activation.Elu => y > T.Zero ? T.Zero : T.One,
        _ => T.Zero,
    };

    /// <summary>d[i] = f'(y[i]; a)</summary>
    public static void SlopeForward<T>(Index1D t, Loop loop, ArrayView<T> y, ArrayView<T> d, int activation, T a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)y.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++) d[i] = ActivationMap.Derivative(activation, y[i], a);
    }

    /// <summary>dy[i] = beta·dy[i] + dd[i]·c(y[i]; a),  c = d f'/dy</summary>
    public static void SlopeBackward<T>(Index1D t, Loop loop, ArrayView<T> y, ArrayView<T> dd, ArrayView<T> dy, int activation, T a, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)y.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
                Beta.Blend(dy, i, beta, dd[i] * Curvature(activation, y[i], a));
    }

    /// <summary>ℓ_r = Σ_j f'(h[r,j])²·w_j = ‖∂h_r/∂x_r‖²_F for h = f(Wx + b), w_j = ‖W_j‖²  (loop over rows)</summary>
    public static void FusedForward<T>(Index1D t, Loop loop, ArrayView<T> h, ArrayView<T> wRowSq, ArrayView<T> rowPenalty,
        int cols, int activation, T a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)rowPenalty.Length;
        for (int b = loop.First(t); b < rows; b += loop.Step)
            for (int r = b, e = loop.End(b, rows); r < e; r++)
                rowPenalty[r] = CompensatedSum<T>.OfBlocks(new FusedTerms<T>(h, wRowSq, (long)r * cols, activation, a), cols);
    }

    readonly struct FusedTerms<T>(ArrayView<T> h, ArrayView<T> wRowSq, long o, int activation, T a) : IBlockedTerms<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T Term(int c)
        {
            T s = ActivationMap.Derivative(activation, h[o + c], a);
            return s * s * wRowSq[c];
        }
    }

    /// <summary>dh = beta·dh + g·scale·2f'(h)·c(h)·w_j  (j the column of the element; loop over elements)</summary>
    public static void FusedBackward<T>(Index1D t, Loop loop, ArrayView<T> h, ArrayView<T> wRowSq, ArrayView<T> gradOut,
        ArrayView<T> dH, int cols, int activation, T a, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)h.Length;
        T gs2 = gradOut[0] * scale * Num<T>.Two;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                T v = h[i];
                T d = gs2 * ActivationMap.Derivative(activation, v, a) * Curvature(activation, v, a) * wRowSq[i % cols];
                Beta.Blend(dH, i, beta, d);
            }
    }

    /// <summary>dw_j = beta·dw_j + g·scale·Σ_r f'(h[r,j])²  (gradient w.r.t. the squared row norms; loop over units)</summary>
    public static void FusedNormBackward<T>(Index1D t, Loop loop, ArrayView<T> h, ArrayView<T> gradOut, ArrayView<T> dWRowSq,
        int rows, int activation, T a, T scale, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int cols = (int)dWRowSq.Length;
        T gs = gradOut[0] * scale;
        for (int b = loop.First(t); b < cols; b += loop.Step)
            for (int c = b, e = loop.End(b, cols); c < e; c++)
                Beta.Blend(dWRowSq, c, beta, gs * CompensatedSum<T>.OfBlocks(new SlopeSquareTerms<T>(h, cols, c, activation, a), rows));
    }

    // f'(h[r, c])² down column c, row r
    readonly struct SlopeSquareTerms<T>(ArrayView<T> h, int cols, int c, int activation, T a) : IBlockedTerms<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T Term(int r)
        {
            T s = ActivationMap.Derivative(activation, h[(long)r * cols + c], a);
            return s * s;
        }
    }

    /// <summary>y[(b,c),k] = s[b,c]·W[c,k]  (s [batch, code], W [code, width], y [batch·code, width]; loop over y)</summary>
    public static void RowScale<T>(Index1D t, Loop loop, ArrayView<T> s, ArrayView<T> w, ArrayView<T> y, int code, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)y.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                int row = i / width, k = i - row * width;
                y[i] = s[row] * w[(long)(row % code) * width + k];
            }
    }

    /// <summary>ds[b,c] = beta·ds[b,c] + Σ_k dy[(b,c),k]·W[c,k]  (loop over (b,c))</summary>
    public static void RowScaleBackwardScale<T>(Index1D t, Loop loop, ArrayView<T> w, ArrayView<T> dy, ArrayView<T> ds, int code, int width, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)ds.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int row = b, e = loop.End(b, n); row < e; row++)
            {
                T acc = T.Zero;
                long o = (long)row * width, wo = (long)(row % code) * width;
                for (int k = 0; k < width; k++) acc += dy[o + k] * w[wo + k];
                Beta.Blend(ds, row, beta, acc);
            }
    }

    /// <summary>dW[c,k] = beta·dW[c,k] + Σ_b dy[(b,c),k]·s[b,c]  (loop over (c,k))</summary>
    public static void RowScaleBackwardWeight<T>(Index1D t, Loop loop, ArrayView<T> s, ArrayView<T> dy, ArrayView<T> dW, int batch, int code, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)dW.Length;
        int width = n / code;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                int c = i / width, k = i - c * width;
                T acc = T.Zero;
                for (int r = 0; r < batch; r++)
                {
                    int row = r * code + c;
                    acc += dy[(long)row * width + k] * s[row];
                }
                Beta.Blend(dW, i, beta, acc);
            }
    }

    /// <summary>y[(b,c),k] = K[(b,c),k]·s[b,k]  (K [batch·code, width], s [batch, width]; loop over y)</summary>
    public static void ColumnScale<T>(Index1D t, Loop loop, ArrayView<T> k, ArrayView<T> s, ArrayView<T> y, int code, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)y.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                int row = i / width, col = i - row * width;
                y[i] = k[i] * s[(long)(row / code) * width + col];
            }
    }

    /// <summary>dK[(b,c),k] = beta·dK + dy[(b,c),k]·s[b,k]  (loop over elements)</summary>
    public static void ColumnScaleBackwardInput<T>(Index1D t, Loop loop, ArrayView<T> s, ArrayView<T> dy, ArrayView<T> dK, int code, int width, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)dK.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                int row = i / width, col = i - row * width;
                T g = dy[i] * s[(long)(row / code) * width + col];
                Beta.Blend(dK, i, beta, g);
            }
    }

    /// <summary>ds[b,k] = beta·ds[b,k] + Σ_c dy[(b,c),k]·K[(b,c),k]  (loop over (b,k))</summary>
    public static void ColumnScaleBackwardScale<T>(Index1D t, Loop loop, ArrayView<T> k, ArrayView<T> dy, ArrayView<T> ds, int code, int width, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)ds.Length;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
            {
                int sample = i / width, col = i - sample * width;
                T acc = T.Zero;
                for (int c = 0; c < code; c++)
                {
                    long j = ((long)sample * code + c) * width + col;
                    acc += dy[j] * k[j];
                }
                Beta.Blend(ds, i, beta, acc);
            }
    }

    /// <summary>w[j] = Σ_i W[j,i]²  (squared row norms of the encoder weight W [units, inputs]; loop over units)</summary>
    public static void WeightNorms<T>(Index1D t, Loop loop, ArrayView<T> w, ArrayView<T> wRowSq, int inputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int units = (int)wRowSq.Length;
        for (int b = loop.First(t); b < units; b += loop.Step)
            for (int j = b, e = loop.End(b, units); j < e; j++)
                wRowSq[j] = CompensatedSum<T>.OfBlocks(new SquareTerms<T>(w, (long)j * inputs), inputs);
    }

    /// <summary>dW[j,i] = beta·dW[j,i] + 2·W[j,i]·dw_j  (chain through w_j = Σ_i W_ji²; loop over elements of W)</summary>
    public static void WeightNormsBackward<T>(Index1D t, Loop loop, ArrayView<T> w, ArrayView<T> dWRowSq, ArrayView<T> dW,
        int inputs, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)w.Length;
        T two = Num<T>.Two;
        for (int b = loop.First(t); b < n; b += loop.Step)
            for (int i = b, e = loop.End(b, n); i < e; i++)
                Beta.Blend(dW, i, beta, two * w[i] * dWRowSq[i / inputs]);
    }
}

/// <summary>The double-precision meaning of <see cref="ContractiveKernels"/>, written from the pre-activation a = f⁻¹(h) where it matters.</summary>
public static class ContractiveReference
{
    /// <summary>‖∂h/∂x‖²_F per row for h = f(x·Wᵀ + b), from the pre-activations a [rows, units] and W [units, inputs].</summary>
    public static double[] Fused(Activation f, double slope, double[] preActivation, double[] w, int rows, int units, int inputs)
    {
        var norms = WeightNorms(w, units, inputs);
        return Enumerable.Range(0, rows).Select(r => Enumerable.Range(0, units).Sum(j =>
        {
            double d = ActivationReference.Derivative(f, preActivation[r * units + j], slope);
            return d * d * norms[j];
        })).ToArray();
    }

    /// <summary>The per-sample Jacobian ∂h/∂x [code, inputs] of an MLP encoder, by finite differences of its forward pass.</summary>
    public static double[] FiniteDifferenceJacobian(Func<double[], double[]> encoder, double[] x, double step = 1e-6)
    {
        int inputs = x.Length;
        int code = encoder(x).Length;
        var j = new double[code * inputs];
        for (int i = 0; i < inputs; i++)
        {
            var up = (double[])x.Clone();
            var down = (double[])x.Clone();
            up[i] += step;
            down[i] -= step;
            var hu = encoder(up);
            var hd = encoder(down);
            for (int c = 0; c < code; c++) j[c * inputs + i] = (hu[c] - hd[c]) / (2 * step);
        }
        return j;
    }

    /// <summary>w[j] = Σ_i W[j,i]² for W [units, inputs].</summary>
    public static double[] WeightNorms(double[] w, int units, int inputs) =>
        Enumerable.Range(0, units).Select(j => Enumerable.Range(j * inputs, inputs).Sum(i => w[i] * w[i])).ToArray();

    /// <summary>dW[j,i] = 2·W[j,i]·dw_j, the chain through w_j = Σ_i W_ji².</summary>
    public static double[] WeightGrad(double[] w, double[] dWRowSq, int inputs) =>
        w.Select((v, i) => 2 * v * dWRowSq[i / inputs]).ToArray();
}
