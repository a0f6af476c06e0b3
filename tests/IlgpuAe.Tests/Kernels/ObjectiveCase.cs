namespace IlgpuAe.Tests.Kernels;

/// <summary>
/// A scalar objective as the gradient tests see it: differentiable inputs, a forward returning
/// its terms (per row, or per unit for KL sparsity) and a backward returning one gradient per
/// input, both run by the kernels in float or double, and their double references. Losses,
/// divergences and penalties are objectives as they stand; a reparameterisation z = f(inputs)
/// becomes one through a fixed random weighting Σ_r Σ_c w[r,c]·z[r,c] (the "target" here), whose
/// backward is the kernel's backward with dz = g·scale·w.
/// </summary>
sealed record ObjectiveCase(
    string Name,
    Func<Random, int, int, double[][]> Inputs,
    Func<Random, int, int, double[]> Target,
    Func<Type, double[][], double[], int, int, int, double[]> Forward,
    Func<Type, double[][], double[], int, int, double, double, double, double[][], int, double[][]> Backward,
    Func<double[][], double[], int, int, double[]> ReferenceForward,
    Func<double[][], double[], int, int, double, double[][]> ReferenceBackward)
{
    /// <summary>Largest number of columns the finite-difference property draws (inputs of rows·cols² elements need fewer).</summary>
    public int MaxCols { get; init; } = 64;

    /// <summary>
    /// Which forward output element i of input k moves: (rows, cols, k, i) → index, or −1 for
    /// "all of them" (the difference is then taken on their sum). Default: the row of the element.
    /// </summary>
    public Func<int, int, double[][], int, int, int> Output { get; init; } = (rows, _, inputs, k, i) => i / (inputs[k].Length / rows);

    /// <summary>How many terms are summed into one gradient entry (rows for the column-reducing penalties): float rounding grows with it.</summary>
    public bool GradientSumsRows { get; init; }

    public override string ToString() => Name;

    /// <summary>The kernel family whose test class runs this case (<c>Loss</c> for LossKernelTests, ...).</summary>
    public string Family => Name switch
    {
        "BceWithLogits" or "Mse" or "GaussianNll" or "GaussianNllFixed" => "Loss",
        "KlDiagonal" or "KlDiagonalGaussians" or "KlLowerTriangular" => "Divergence",
        "ReparamDiagonal" or "ReparamLowerTriangular" => "Sampling",
        "L1" or "KlSparsity" => "Penalty",
        "GmmNegLogDensity" => "Mixture",
        _ => throw new InvalidOperationException($"objective {Name} names no kernel family: add it here"),
    };

    public const double FixedLogVar = 0.3, SparsityTarget = 0.1;

    static double[] U(Random rng, int n, double lo, double hi) =>
        Enumerable.Range(0, n).Select(_ => lo + (hi - lo) * rng.NextDouble()).ToArray();

    /// <summary>Uniform on ±[lo, hi]: kept away from a kink or pole at zero (|h| of L1, log|L_ii|).</summary>
    static double[] AwayFromZero(Random rng, int n, double lo, double hi) =>
        U(rng, n, lo, hi).Select(v => rng.Next(2) == 0 ? v : -v).ToArray();

    /// <summary>Lower-triangular factors [rows, dim, dim]: diagonal ±[0.5, 1.5], strictly lower part in [−1, 1], upper part random too (it must be ignored).</summary>
    static double[] Factors(Random rng, int rows, int dim)
    {
        var l = U(rng, rows * dim * dim, -1, 1);
        var diag = AwayFromZero(rng, rows * dim, 0.5, 1.5);
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < dim; i++) l[(r * dim + i) * dim + i] = diag[r * dim + i];
        return l;
    }

    static T Pick<T>(Type t, Func<T> single, Func<T> @double) => t == typeof(float) ? single() : @double();

    static double[] NoTarget(Random rng, int rows, int cols) => [];

    /// <summary>Σ_c w[r,c]·z[r,c] per row: the weighting that turns a sample into an objective.</summary>
    static double[] Weighted(double[] z, double[] w, int rows) =>
        Enumerable.Range(0, rows).Select(r => Enumerable.Range(r * (z.Length / rows), z.Length / rows).Sum(i => w[i] * z[i])).ToArray();

    public static readonly ObjectiveCase[] All =
    [
        new("BceWithLogits",
            (rng, r, c) => [U(rng, r * c, -4, 4)], (rng, r, c) => U(rng, r * c, 0, 1),
            (t, i, x, rows, cols, s) => Pick(t, () => LossRunner<float>.BceForward(i, x, rows, cols, s), () => LossRunner<double>.BceForward(i, x, rows, cols, s)),
            (t, i, x, rows, cols, g, sc, b, init, s) => Pick(t, () => LossRunner<float>.BceBackward(i, x, g, sc, b, init, s), () => LossRunner<double>.BceBackward(i, x, g, sc, b, init, s)),
            (i, x, rows, cols) => LossReference.BceWithLogits(i[0], x, rows, cols),
            (i, x, rows, cols, g) => [LossReference.BceWithLogitsGrad(i[0], x, g)]),
        new("Mse",
            (rng, r, c) => [U(rng, r * c, -1, 1)], (rng, r, c) => U(rng, r * c, -1, 1),
            (t, i, x, rows, cols, s) => Pick(t, () => LossRunner<float>.MseForward(i, x, rows, cols, s), () => LossRunner<double>.MseForward(i, x, rows, cols, s)),
            (t, i, x, rows, cols, g, sc, b, init, s) => Pick(t, () => LossRunner<float>.MseBackward(i, x, g, sc, b, init, s), () => LossRunner<double>.MseBackward(i, x, g, sc, b, init, s)),
            (i, x, rows, cols) => LossReference.Mse(i[0], x, rows, cols),
            (i, x, rows, cols, g) => [LossReference.MseGrad(i[0], x, g)]),
        new("GaussianNll",
            (rng, r, c) => [U(rng, r * c, -1, 1), U(rng, r * c, -1, 1)], (rng, r, c) => U(rng, r * c, -1, 1),
            (t, i, x, rows, cols, s) => Pick(t, () => LossRunner<float>.GaussianForward(i, x, rows, cols, s), () => LossRunner<double>.GaussianForward(i, x, rows, cols, s)),
            (t, i, x, rows, cols, g, sc, b, init, s) => Pick(t, () => LossRunner<float>.GaussianBackward(i, x, g, sc, b, init, s), () => LossRunner<double>.GaussianBackward(i, x, g, sc, b, init, s)),
            (i, x, rows, cols) => LossReference.GaussianNll(i[0], i[1], x, rows, cols),
            (i, x, rows, cols, g) => { var (dm, dl) = LossReference.GaussianNllGrad(i[0], i[1], x, g); return [dm, dl]; }),
        new("GaussianNllFixed",
            (rng, r, c) => [U(rng, r * c, -1, 1)], (rng, r, c) => U(rng, r * c, -1, 1),
            (t, i, x, rows, cols, s) => Pick(t, () => LossRunner<float>.FixedForward(i, x, rows, cols, s), () => LossRunner<double>.FixedForward(i, x, rows, cols, s)),
            (t, i, x, rows, cols, g, sc, b, init, s) => Pick(t, () => LossRunner<float>.FixedBackward(i, x, g, sc, b, init, s), () => LossRunner<double>.FixedBackward(i, x, g, sc, b, init, s)),
            (i, x, rows, cols) => LossReference.GaussianNll(i[0], Fixed(i[0]), x, rows, cols),
            (i, x, rows, cols, g) => [LossReference.GaussianNllGrad(i[0], Fixed(i[0]), x, g).dMean]),
        new("KlDiagonal",
            (rng, r, c) => [U(rng, r * c, -1, 1), U(rng, r * c, -1.5, 1.5)], NoTarget,
            (t, i, x, rows, cols, s) => Pick(t, () => ObjectiveRunner<float>.KlDiagonal(i, rows, cols, s), () => ObjectiveRunner<double>.KlDiagonal(i, rows, cols, s)),
            (t, i, x, rows, cols, g, sc, b, init, s) => Pick(t, () => ObjectiveRunner<float>.KlDiagonalBack(i, g, sc, b, init, s), () => ObjectiveRunner<double>.KlDiagonalBack(i, g, sc, b, init, s)),
            (i, x, rows, cols) => DivergenceReference.KlDiagonal(i[0], i[1], rows, cols),
            (i, x, rows, cols, g) => { var (dm, dl) = DivergenceReference.KlDiagonalGrad(i[0], i[1], g); return [dm, dl]; }),
        new("KlDiagonalGaussians",
            (rng, r, c) => [U(rng, r * c, -1, 1), U(rng, r * c, -1, 1), U(rng, r * c, -1, 1), U(rng, r * c, -1, 1)], NoTarget,
            (t, i, x, rows, cols, s) => Pick(t, () => ObjectiveRunner<float>.KlGaussians(i, rows, cols, s), () => ObjectiveRunner<double>.KlGaussians(i, rows, cols, s)),
            (t, i, x, rows, cols, g, sc, b, init, s) => Pick(t, () => ObjectiveRunner<float>.KlGaussiansBack(i, g, sc, b, init, s), () => ObjectiveRunner<double>.KlGaussiansBack(i, g, sc, b, init, s)),
            (i, x, rows, cols) => DivergenceReference.KlDiagonalGaussians(i[0], i[1], i[2], i[3], rows, cols),
            (i, x, rows, cols, g) => DivergenceReference.KlDiagonalGaussiansGrad(i[0], i[1], i[2], i[3], g)),
        new("KlLowerTriangular",
            (rng, r, c) => [U(rng, r * c, -1, 1), Factors(rng, r, c)], NoTarget,
            (t, i, x, rows, cols, s) => Pick(t, () => ObjectiveRunner<float>.KlTriangular(i, rows, cols, s), () => ObjectiveRunner<double>.KlTriangular(i, rows, cols, s)),
            (t, i, x, rows, cols, g, sc, b, init, s) => Pick(t, () => ObjectiveRunner<float>.KlTriangularBack(i, cols, g, sc, b, init, s), () => ObjectiveRunner<double>.KlTriangularBack(i, cols, g, sc, b, init, s)),
            (i, x, rows, cols) => DivergenceReference.KlLowerTriangular(i[0], i[1], rows, cols),
            (i, x, rows, cols, g) => { var (dm, dl) = DivergenceReference.KlLowerTriangularGrad(i[0], i[1], cols, g); return [dm, dl]; })
        { MaxCols = 16 },
        new("ReparamDiagonal",
            (rng, r, c) => [U(rng, r * c, -1, 1), U(rng, r * c, -1.5, 1.5)], (rng, r, c) => [.. U(rng, r * c, -2, 2), .. U(rng, r * c, -1, 1)],
            (t, i, x, rows, cols, s) => Weighted(Pick(t, () => ObjectiveRunner<float>.Diagonal(i, Eps(x), s), () => ObjectiveRunner<double>.Diagonal(i, Eps(x), s)), W(x), rows),
            (t, i, x, rows, cols, g, sc, b, init, s) => Pick(t, () => ObjectiveRunner<float>.DiagonalBack(i, Eps(x), Dz(x, g * sc), b, init, s), () => ObjectiveRunner<double>.DiagonalBack(i, Eps(x), Dz(x, g * sc), b, init, s)),
            (i, x, rows, cols) => Weighted(SamplingReference.Diagonal(i[0], i[1], Eps(x)), W(x), rows),
            (i, x, rows, cols, g) => { var (dm, dl) = SamplingReference.DiagonalGrad(i[1], Eps(x), Dz(x, g)); return [dm, dl]; }),
        new("ReparamLowerTriangular",
            (rng, r, c) => [U(rng, r * c, -1, 1), Factors(rng, r, c)], (rng, r, c) => [.. U(rng, r * c, -2, 2), .. U(rng, r * c, -1, 1)],
            (t, i, x, rows, cols, s) => Weighted(Pick(t, () => ObjectiveRunner<float>.Triangular(i, Eps(x), cols, s), () => ObjectiveRunner<double>.Triangular(i, Eps(x), cols, s)), W(x), rows),
            (t, i, x, rows, cols, g, sc, b, init, s) => Pick(t, () => ObjectiveRunner<float>.TriangularBack(Eps(x), Dz(x, g * sc), cols, b, init, s), () => ObjectiveRunner<double>.TriangularBack(Eps(x), Dz(x, g * sc), cols, b, init, s)),
            (i, x, rows, cols) => Weighted(SamplingReference.LowerTriangular(i[0], i[1], Eps(x), cols), W(x), rows),
            (i, x, rows, cols, g) => { var (dm, dl) = SamplingReference.LowerTriangularGrad(Eps(x), Dz(x, g), cols); return [dm, dl]; })
        { MaxCols = 16 },
        new("L1",
            (rng, r, c) => [AwayFromZero(rng, r * c, 0.05, 2)], NoTarget,
            (t, i, x, rows, cols, s) => Pick(t, () => ObjectiveRunner<float>.L1(i, rows, cols, s), () => ObjectiveRunner<double>.L1(i, rows, cols, s)),
            (t, i, x, rows, cols, g, sc, b, init, s) => Pick(t, () => ObjectiveRunner<float>.L1Back(i, g, sc, b, init, s), () => ObjectiveRunner<double>.L1Back(i, g, sc, b, init, s)),
            (i, x, rows, cols) => PenaltyReference.L1(i[0], rows, cols),
            (i, x, rows, cols, g) => [PenaltyReference.L1Grad(i[0], g)]),
        new("KlSparsity",
            (rng, r, c) => [U(rng, r * c, 0.05, 0.95)], NoTarget,
            (t, i, x, rows, cols, s) => Pick(t, () => ObjectiveRunner<float>.Sparsity(i, rows, cols, s), () => ObjectiveRunner<double>.Sparsity(i, rows, cols, s)),
            (t, i, x, rows, cols, g, sc, b, init, s) => Pick(t, () => ObjectiveRunner<float>.SparsityBack(i, rows, g, sc, b, init, s), () => ObjectiveRunner<double>.SparsityBack(i, rows, g, sc, b, init, s)),
            (i, x, rows, cols) => PenaltyReference.KlSparsity(i[0], rows, cols, SparsityTarget),
            (i, x, rows, cols, g) => [PenaltyReference.KlSparsityGrad(i[0], rows, cols, SparsityTarget, g)])
        { Output = (rows, cols, inputs, k, i) => i % cols, GradientSumsRows = true },
        new("GmmNegLogDensity",
            (rng, r, c) => [U(rng, r * c, -2, 2), U(rng, Components * c, -1.5, 1.5), U(rng, Components * c, -1, 1), U(rng, Components, -1, 1)], NoTarget,
            (t, i, x, rows, cols, s) => Pick(t, () => ObjectiveRunner<float>.Gmm(i, rows, cols, s).negLogP, () => ObjectiveRunner<double>.Gmm(i, rows, cols, s).negLogP),
            (t, i, x, rows, cols, g, sc, b, init, s) => Pick(t, () => ObjectiveRunner<float>.GmmBack(i, rows, cols, g, sc, b, init, s), () => ObjectiveRunner<double>.GmmBack(i, rows, cols, g, sc, b, init, s)),
            (i, x, rows, cols) => MixtureReference.NegLogDensity(i[0], i[1], i[2], i[3], cols),
            (i, x, rows, cols, g) => MixtureReference.NegLogDensityGrad(i[0], i[1], i[2], i[3], cols, g))
        { Output = (rows, cols, inputs, k, i) => k == 0 ? i / cols : -1, GradientSumsRows = true, MaxCols = 16 },
    ];

    /// <summary>Mixture components of the GMM-prior case.</summary>
    public const int Components = 3;

    static double[] Fixed(double[] like) => Enumerable.Repeat(FixedLogVar, like.Length).ToArray();

    // A reparameterisation's "target" packs the weights w and the noise ε, one half each.
    static double[] W(double[] x) => x[..(x.Length / 2)];
    static double[] Eps(double[] x) => x[(x.Length / 2)..];
    static double[] Dz(double[] x, double gs) => W(x).Select(w => gs * w).ToArray();
}
