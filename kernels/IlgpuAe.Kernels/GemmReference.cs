namespace IlgpuAe.Kernels;

/// <summary>The plain double-precision GEMM every GEMM kernel is held against.</summary>
public static class GemmReference
{
    /// <summary>
    /// C[i,j] = act(alpha·Σ_p op(A)[i,p]·op(B)[p,j] + beta·C[i,j] + bias[j]), row-major; A is [m,k]
    /// (or [k,m] when transA), B is [k,n] (or [n,k] when transB). C is not read when beta == 0.
    /// </summary>
    public static void Run(bool transA, bool transB, int m, int n, int k, double alpha, double[] a, double[] b,
        double beta, double[] c, double[]? bias = null, Activation activation = Activation.Identity,
        double activationParam = 0)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                    sum += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
                double v = alpha * sum;
                if (beta != 0) v += beta * c[i * n + j];
                if (bias is { Length: > 0 }) v += bias[j];
                c[i * n + j] = Apply(activation, v, activationParam);
            }
    }

    /// <summary>f(x; a) in double, through the same activation structs the kernels use.</summary>
    public static double Apply(Activation activation, double x, double a) => activation switch
    {
        Activation.Identity => x,
        Activation.Relu => ReluAct<double>.Forward(x, a),
        Activation.LeakyRelu => LeakyReluAct<double>.Forward(x, a),
        Activation.Sigmoid => SigmoidAct<double>.Forward(x, a),
        Activation.Tanh => TanhAct<double>.Forward(x, a),
        Activation.Softplus => SoftplusAct<double>.Forward(x, a),
        Activation.Elu => EluAct<double>.Forward(x, a),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
    };
}
