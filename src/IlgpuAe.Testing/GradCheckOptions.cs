namespace IlgpuAe.Testing;

/// <summary>
/// How <see cref="GradCheck"/> probes a gradient. The defaults are chosen for double precision and are what the
/// engine's own tests use; change them only with a reason (see <see cref="Step"/> and <see cref="Floor"/>).
/// </summary>
public sealed record GradCheckOptions
{
    /// <summary>
    /// The central-difference step h, default 1e-5. In double, the rounding error of (f(θ+h) − f(θ−h)) / 2h is about
    /// 1e-16·|f| / h and the truncation error about h²·|f'''| / 6: with h = 1e-5 both stay near 1e-11·|f|, so even a
    /// 500-nat objective (a whole batch's reconstruction loss) leaves its rounding at 5e-9, well under
    /// <see cref="Tolerance"/>·<see cref="Floor"/>. A smaller h (1e-6) makes rounding ten times larger and a correct
    /// gradient can "fail" at 1e-5; a larger one (1e-3) lets curvature through. Probes must not cross a kink
    /// (ReLU at 0, |x| at 0): keep values further than h from one.
    /// </summary>
    public double Step { get; init; } = 1e-5;

    /// <summary>
    /// The error floor in the denominator, default 1e-2: the error of one coordinate is
    /// |analytic − numeric| / max(|analytic| + |numeric|, Floor), relative for gradients of ordinary size and absolute
    /// (times 1/Floor) for gradients near zero, where a relative error means nothing.
    /// </summary>
    public double Floor { get; init; } = 1e-2;

    /// <summary>The largest error that passes, default 1e-6 (a wrong factor or a missing term gives errors near 1e-1).</summary>
    public double Tolerance { get; init; } = 1e-6;

    /// <summary>
    /// Coordinates probed per parameter: null (the default) probes every one; a number samples that many without
    /// replacement (for large models: each probe costs two forward passes).
    /// </summary>
    public int? PerParameter { get; init; }

    /// <summary>Seed of the coordinate sample (used when <see cref="PerParameter"/> is set), default 7.</summary>
    public int SampleSeed { get; init; } = 7;

    /// <summary>
    /// The step the plan runs at, default 0. Random ops draw from (seed, step), so a fixed step holds every ε and
    /// mask fixed between the probes; a model check passes it to <see cref="Graph.Plan{T}.Step"/>.
    /// </summary>
    public ulong PlanStep { get; init; }

    /// <summary>The seed of an op check's plan (its random ops' stream); a model check uses the model's own seed. Default 0.</summary>
    public ulong PlanSeed { get; init; }

    /// <summary>
    /// For a plan with several objectives: the one to check (its forward ops, its backward pass, Σ weight·term over its terms,
    /// and only the members of its parameter group are probed). Null: the plan's single objective.
    /// </summary>
    public string? Objective { get; init; }

    /// <summary>Seed of an op check's output weights R (the objective is Σ op(...) ⊙ R), default 1.</summary>
    public int WeightSeed { get; init; } = 1;

    internal void Validate()
    {
        if (!(Step > 0) || !double.IsFinite(Step)) throw new IlgpuAeException($"GradCheckOptions.Step must be a positive finite number, got {Step}");
        if (!(Floor > 0) || !double.IsFinite(Floor)) throw new IlgpuAeException($"GradCheckOptions.Floor must be a positive finite number, got {Floor}");
        if (!(Tolerance > 0)) throw new IlgpuAeException($"GradCheckOptions.Tolerance must be positive, got {Tolerance}");
        if (PerParameter is <= 0) throw new IlgpuAeException($"GradCheckOptions.PerParameter must be at least 1 (or null for every coordinate), got {PerParameter}");
    }
}
