using System.Globalization;

namespace IlgpuAe.Testing;

/// <summary>The worst coordinate of one parameter (or op input) in a gradient check.</summary>
/// <param name="Name">The parameter's name ("encoder.0.weight"; "in0", "in1", ... for an op's inputs).</param>
/// <param name="Checked">Coordinates probed.</param>
/// <param name="MaxError">The largest error over them (<see cref="GradCheckOptions.Floor"/> says how it is measured); +∞ when a value was not finite.</param>
/// <param name="Row">Row of the worst coordinate.</param>
/// <param name="Col">Column of the worst coordinate.</param>
/// <param name="Analytic">The backward pass's gradient there.</param>
/// <param name="Numeric">The central difference there.</param>
public sealed record ParameterError(string Name, int Checked, double MaxError, int Row, int Col, double Analytic, double Numeric)
{
    /// <summary>"encoder.0.weight[2,5]: error 3.1E-009, analytic 0.1234, numeric 0.1234".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name}[{Row},{Col}]: error {MaxError:E2}, analytic {Analytic:G10}, numeric {Numeric:G10}");
}

/// <summary>What a gradient check found: per parameter the largest error, and whether it stays under the tolerance.</summary>
public sealed class GradCheckReport
{
    internal GradCheckReport(IReadOnlyList<ParameterError> parameters, double tolerance)
    {
        Parameters = parameters;
        Tolerance = tolerance;
        Worst = parameters.Count == 0 ? null : parameters.MaxBy(p => p.MaxError);
    }

    /// <summary>One entry per parameter checked, in the store's order.</summary>
    public IReadOnlyList<ParameterError> Parameters { get; }

    /// <summary>The parameter with the largest error; null when nothing was checked.</summary>
    public ParameterError? Worst { get; }

    /// <summary>The largest error of any coordinate (0 when nothing was checked).</summary>
    public double MaxError => Worst?.MaxError ?? 0;

    /// <summary>Coordinates probed, over all parameters.</summary>
    public int Checked => Parameters.Sum(p => p.Checked);

    /// <summary>The tolerance of the options the check ran with.</summary>
    public double Tolerance { get; }

    /// <summary>Whether something was checked and every error is below <see cref="Tolerance"/> (NaN and ∞ fail).</summary>
    public bool Passed => Checked > 0 && MaxError < Tolerance;

    /// <summary>The largest error of the parameter called <paramref name="name"/>; KeyNotFoundException if it was not checked.</summary>
    public double this[string name] =>
        (Parameters.FirstOrDefault(p => p.Name == name) ?? throw new KeyNotFoundException($"no parameter named '{name}' was checked")).MaxError;

    /// <summary>Throws <see cref="GradCheckFailedException"/> (its message is <see cref="ToString"/>) unless <see cref="Passed"/>; returns this report.</summary>
    public GradCheckReport EnsurePassed() => Passed ? this : throw new GradCheckFailedException(this);

    /// <summary>One line: the verdict, the largest error, the coordinates probed and the worst coordinate.</summary>
    public override string ToString() => Checked == 0
        ? "gradient check: nothing was checked (no parameter)"
        : string.Create(CultureInfo.InvariantCulture,
            $"gradient check {(Passed ? "passed" : "FAILED")}: max error {MaxError:E2} (tolerance {Tolerance:E0}) over {Checked} coordinates of {Parameters.Count} parameters; worst {Worst}");
}

/// <summary>A gradient check whose largest error reached the tolerance; the message names the worst coordinate.</summary>
public sealed class GradCheckFailedException : Exception
{
    internal GradCheckFailedException(GradCheckReport report) : base(report.ToString()) => Report = report;

    /// <summary>The full report.</summary>
    public GradCheckReport Report { get; }
}
