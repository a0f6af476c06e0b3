using System.Numerics;
using ILGPU;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Ops;

/// <summary>Which closed-form KL a <see cref="KlOp{T}"/> computes.</summary>
public enum KlKind
{
    /// <summary>KL(N(μ, diag e^{logσ²}) || N(0, I)); inputs μ, logσ².</summary>
    StandardNormalDiagonal,
    /// <summary>KL(N(μ, LLᵀ) || N(0, I)); inputs μ, L [rows, dim·dim].</summary>
    StandardNormalFull,
    /// <summary>KL(N(μq, diag) || N(μp, diag)), a learned conditional prior; inputs μq, logσq², μp, logσp².</summary>
    DiagonalGaussians,
}

/// <summary>Which posterior family a Monte-Carlo KL reads its log-determinant from.</summary>
public enum PosteriorKind
{
    /// <summary>B = diag(e^{½logσ²}): the scale input is logσ² [rows, dim].</summary>
    Diagonal,
    /// <summary>B = L: the scale input is L [rows, dim·dim].</summary>
    Full,
}

/// <summary>
/// A closed-form KL per row, averaged over the rows: a [1, 1] term "per image".
/// Every gradient is analytic (see <see cref="DivergenceKernels"/>).
/// </summary>
public sealed class KlOp<T> : StochasticOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly KlKind _kind;

    /// <summary>
    /// A KL of the given <paramref name="kind"/>, with the inputs that kind lists (two, or four for
    /// <see cref="KlKind.DiagonalGaussians"/>). ArgumentException when the count is wrong, when L is not
    /// [rows, dim·dim] for a mean [rows, dim], or when a diagonal kind's inputs differ in shape.
    /// </summary>
    public KlOp(KlKind kind, params Node<T>[] inputs) : base("kl", inputs)
    {
        _kind = kind;
        int expected = kind == KlKind.DiagonalGaussians ? 4 : 2;
        if (inputs.Length != expected) throw new ArgumentException($"{kind} KL takes {expected} inputs, got {inputs.Length}");
        if (kind == KlKind.StandardNormalFull)
        {
            if (inputs[1].Rows != inputs[0].Rows || inputs[1].Cols != inputs[0].Cols * inputs[0].Cols)
                throw new ArgumentException($"kl: the factor {inputs[1]} does not match the mean {inputs[0]}");
        }
        else
            foreach (var n in inputs.Skip(1)) Shapes.Same(inputs[0], n, "kl");
    }

    int Rows => Inputs[0].Rows;
    int Dim => Inputs[0].Cols;

    /// <summary>Every input: the analytic gradients read all of them.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => Inputs;

    /// <summary>One KL per row before the batch mean.</summary>
    public override long ForwardScratch(Device device) => Rows;

    /// <summary>Room for every input's gradient when they cannot all be written directly (their betas differ or some need none).</summary>
    public override long BackwardScratch(Device device) => ScatterScratch(Enumerable.Range(0, Inputs.Count).ToArray());

    /// <summary>Every input: the analytic gradients read what the row values read.</summary>
    public override IReadOnlyList<int> GradientInForward => _kind == KlKind.DiagonalGaussians ? [0, 1, 2, 3] : [0, 1];

    /// <summary>
    /// KL = (1/rows)·Σ_r KL_r in nats, KL_r the closed form of the kind (see <see cref="DivergenceKernels"/>); where the plan fuses
    /// the gradient, the gradients of <see cref="Backward"/> in the same launch as the row values.
    /// </summary>
    public override void Forward(Exec<T> x)
    {
        var rowKl = x.Scratch(this);
        var loop = x.Device.LoopFor(Rows);
        var v = Values(x);
        if (x.GradientInForward(this))
        {
            ValuesAndGradients(x, v, rowKl, loop);
            SumToScalar(x, rowKl, x.Value(Output), PerRow(Rows));
            return;
        }
        switch (_kind)
        {
            case KlKind.StandardNormalDiagonal:
                x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(DivergenceKernels.KlDiagonalForward)(
                    loop.Threads, loop, v[0], v[1], rowKl, Dim);
                break;
            case KlKind.StandardNormalFull:
                x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(DivergenceKernels.KlLowerTriangularForward)(
                    loop.Threads, loop, v[0], v[1], rowKl, Dim);
                break;
            default:
                x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(DivergenceKernels.KlDiagonalGaussiansForward)(
                    loop.Threads, loop, v[0], v[1], v[2], v[3], rowKl, Dim);
                break;
        }
        SumToScalar(x, rowKl, x.Value(Output), PerRow(Rows));
    }

    void ValuesAndGradients(Exec<T> x, ArrayView<T>[] v, ArrayView<T> rowKl, Loop rows)
    {
        T gs = x.TermGradient(Output) * PerRow(Rows);
        switch (_kind)
        {
            case KlKind.StandardNormalDiagonal:
            {
                var elements = x.Device.LoopFor(Inputs[0].Length);
                x.Device.Load<Loop, Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(DivergenceKernels.KlDiagonalValueAndGrad)(
                    Math.Max(rows.Threads, elements.Threads), rows, elements, v[0], v[1], rowKl, x.Grad(Inputs[0]), x.Grad(Inputs[1]), Dim, gs);
                break;
            }
            case KlKind.StandardNormalFull:
                x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(DivergenceKernels.KlLowerTriangularValueAndGrad)(
                    rows.Threads, rows, v[0], v[1], rowKl, x.Grad(Inputs[0]), x.Grad(Inputs[1]), Dim, gs);
                break;
            default:
            {
                var elements = x.Device.LoopFor(Inputs[0].Length);
                x.Device.Load<Loop, Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(
                    DivergenceKernels.KlDiagonalGaussiansValueAndGrad)(
                    Math.Max(rows.Threads, elements.Threads), rows, elements, v[0], v[1], v[2], v[3], rowKl,
                    x.Grad(Inputs[0]), x.Grad(Inputs[1]), x.Grad(Inputs[2]), x.Grad(Inputs[3]), Dim, gs);
                break;
            }
        }
    }

    /// <summary>
    /// The closed-form gradients of KL_r times dKL/rows, accumulated with each input's beta: (dμ, dlogσ²) for the
    /// diagonal kinds (and (dμp, dlogσp²) for the learned prior), (dμ, dL) with dL_ij = L_ij − [i = j]/L_ii for j ≤ i for the full one.
    /// </summary>
    public override void Backward(Exec<T> x)
    {
        var v = Values(x);
        var g = x.Grad(Output);
        T scale = PerRow(Rows);
        var scratch = x.Scratch(this);
        switch (_kind)
        {
            case KlKind.StandardNormalDiagonal:
            {
                var loop = x.Device.LoopFor(Inputs[0].Length);
                var k = x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(DivergenceKernels.KlDiagonalBackward);
                if (BeginScatter(x, scratch, [0, 1], out var d, out T beta))
                {
                    k(loop.Threads, loop, v[0], v[1], g, d[0], d[1], scale, beta);
                    EndScatter(x, [0, 1]);
                }
                break;
            }
            case KlKind.StandardNormalFull:
            {
                var loop = x.Device.LoopFor(Rows);
                var k = x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T, T>(DivergenceKernels.KlLowerTriangularBackward);
                if (BeginScatter(x, scratch, [0, 1], out var d, out T beta))
                {
                    k(loop.Threads, loop, v[0], v[1], g, d[0], d[1], Dim, scale, beta);
                    EndScatter(x, [0, 1]);
                }
                break;
            }
            default:
            {
                var loop = x.Device.LoopFor(Inputs[0].Length);
                var k = x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(
                    DivergenceKernels.KlDiagonalGaussiansBackward);
                if (BeginScatter(x, scratch, [0, 1, 2, 3], out var d, out T beta))
                {
                    k(loop.Threads, loop, v[0], v[1], v[2], v[3], g, d[0], d[1], d[2], d[3], scale, beta);
                    EndScatter(x, [0, 1, 2, 3]);
                }
                break;
            }
        }
    }
}

/// <summary>
/// The one-sample Monte-Carlo KL against a learned Gaussian-mixture prior, averaged over rows:
/// mean_r [log q(z_r|x_r) − log p(z_r)] at z = μ + B·ε. With ε fixed, −log q(z|x) is
/// ½‖ε‖² + (d/2)log 2π + log|det B| (<see cref="PosteriorKernels"/>), and −log p(z) with its
/// responsibilities is <see cref="MixtureKernels"/>. Inputs: z, ε, the scale (logσ² or L),
/// the mixture's means [K, dim], log-variances [K, dim] and logits [1, K].
/// Backward recomputes the responsibilities instead of keeping them alive from forward.
/// </summary>
public sealed class MonteCarloGmmKlOp<T> : StochasticOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly PosteriorKind _posterior;

    /// <summary>
    /// The KL at <paramref name="z"/> [rows, dim] = μ + B·<paramref name="eps"/>; <paramref name="scale"/> is logσ² [rows, dim]
    /// or L [rows, dim·dim] as <paramref name="posterior"/> says; <paramref name="means"/> and <paramref name="logVars"/>
    /// are [K, dim] and <paramref name="logits"/> holds K values. ArgumentException when any shape disagrees.
    /// </summary>
    public MonteCarloGmmKlOp(Node<T> z, Node<T> eps, Node<T> scale, PosteriorKind posterior, Node<T> means, Node<T> logVars, Node<T> logits)
        : base("kl_gmm", z, eps, scale, means, logVars, logits)
    {
        _posterior = posterior;
        Shapes.Same(z, eps, Name);
        int scaleCols = posterior == PosteriorKind.Full ? z.Cols * z.Cols : z.Cols;
        if (scale.Rows != z.Rows || scale.Cols != scaleCols)
            throw new ArgumentException($"{Name}: the {posterior} scale {scale} does not match {z}");
        if (means.Cols != z.Cols) throw new ArgumentException($"{Name}: mixture means {means} do not match {z}");
        Shapes.Same(means, logVars, Name);
        if (logits.Length != means.Rows) throw new ArgumentException($"{Name}: {logits} must hold one logit per component of {means}");
    }

    int Rows => Inputs[0].Rows;
    int Dim => Inputs[0].Cols;
    int Components => Inputs[3].Rows;

    /// <summary>Every input: backward recomputes −log p(z) and the responsibilities from them.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => Inputs;

    /// <summary>−log q per row, −log p per row, and the responsibilities γ [rows, K].</summary>
    public override long ForwardScratch(Device device) => 2L * Rows + (long)Rows * Components;

    /// <summary>−log p per row and γ [rows, K] recomputed, plus room for dmeans and dlogVars when they cannot be written directly.</summary>
    public override long BackwardScratch(Device device) => Rows + (long)Rows * Components + ScatterScratch(3, 4);

    /// <summary>KL ≈ (1/rows)·Σ_r [log q(z_r|x_r) − log p(z_r)] in nats: one sample per row, an unbiased estimate of the KL.</summary>
    public override void Forward(Exec<T> x)
    {
        var s = x.Scratch(this);
        var negLogQ = s.SubView(0, Rows);
        var negLogP = s.SubView(Rows, Rows);
        var resp = s.SubView(2L * Rows, (long)Rows * Components);
        NegLogQ(x, negLogQ);
        Mixture(x, negLogP, resp);
        Axpby(x, negLogQ, negLogP, -T.One, T.One); // log q − log p
        SumToScalar(x, negLogP, x.Value(Output), PerRow(Rows));
    }

    void NegLogQ(Exec<T> x, ArrayView<T> rows)
    {
        var loop = x.Device.LoopFor(Rows);
        var k = _posterior == PosteriorKind.Diagonal
            ? x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(PosteriorKernels.NegLogQDiagonalForward)
            : x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(PosteriorKernels.NegLogQLowerTriangularForward);
        k(loop.Threads, loop, x.Value(Inputs[1]), x.Value(Inputs[2]), rows, Dim);
    }

    void Mixture(Exec<T> x, ArrayView<T> negLogP, ArrayView<T> resp)
    {
        var loop = x.Device.LoopFor(Rows);
        x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(MixtureKernels.GmmNegLogDensityForward)(
            loop.Threads, loop, x.Value(Inputs[0]), x.Value(Inputs[3]), x.Value(Inputs[4]), x.Value(Inputs[5]), negLogP, resp, Dim);
    }

    /// <summary>
    /// With ε fixed: dz = d(−log p)/dz (log q does not move with z); the scale gets only the negated log-determinant
    /// gradient (−½ per logσ², −1/L_ii on L's diagonal); means, log-variances and logits get d(−log p) through γ.
    /// ε gets nothing. Every term is scaled by dKL/rows and accumulated with its input's beta.
    /// </summary>
    public override void Backward(Exec<T> x)
    {
        var s = x.Scratch(this);
        var negLogP = s.SubView(0, Rows);
        var resp = s.SubView(Rows, (long)Rows * Components);
        var rest = s.SubView(Rows + (long)Rows * Components, ScatterScratch(3, 4));
        Mixture(x, negLogP, resp);
        var g = x.Grad(Output);
        T scale = PerRow(Rows);
        var v = Values(x);
        if (x.NeedsGrad(Inputs[0]))
        {
            var loop = x.Device.LoopFor(Rows);
            x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T, T>(MixtureKernels.GmmNegLogDensityBackwardZ)(
                loop.Threads, loop, v[0], v[3], v[4], resp, g, x.Grad(Inputs[0]), Dim, scale, x.Beta(this, 0));
        }
        if (x.NeedsGrad(Inputs[2]))
        {
            // d(log q)/d(scale) = −d(−log q)/d(scale): the negated scale.
            var loop = x.Device.LoopFor(Inputs[2].Length);
            if (_posterior == PosteriorKind.Diagonal)
                x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, T, T>(PosteriorKernels.NegLogQDiagonalBackward)(
                    loop.Threads, loop, g, x.Grad(Inputs[2]), -scale, x.Beta(this, 2));
            else
                x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T, T>(PosteriorKernels.NegLogQLowerTriangularBackward)(
                    loop.Threads, loop, v[2], g, x.Grad(Inputs[2]), Dim, -scale, x.Beta(this, 2));
        }
        {
            var loop = x.Device.LoopFor(Inputs[3].Length);
            var k = x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T, T>(
                MixtureKernels.GmmNegLogDensityBackwardParams);
            if (BeginScatter(x, rest, [3, 4], out var d, out T beta))
            {
                k(loop.Threads, loop, v[0], v[3], v[4], resp, g, d[0], d[1], Dim, scale, beta);
                EndScatter(x, [3, 4]);
            }
        }
        if (x.NeedsGrad(Inputs[5]))
        {
            var loop = x.Device.LoopFor(Components);
            x.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T, T>(MixtureKernels.GmmNegLogDensityBackwardLogits)(
                loop.Threads, loop, v[5], resp, g, x.Grad(Inputs[5]), Rows, scale, x.Beta(this, 5));
        }
    }
}
