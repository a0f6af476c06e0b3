using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace IlgpuAe;

/// <summary>
/// A number that changes with the training step: a loss term's weight (<see cref="Graph.GraphBuilder{T}.Loss(string, Graph.Node{T}, Schedule)"/>)
/// or a factor on the learning rate (<see cref="Training.TrainerOptions.LearningRate"/>). It is a pure function of the step
/// (optimizer steps taken before the step it weighs, from 0), so a resumed run that restores the step sees the same values;
/// the plan reads it each step, so nothing is recompiled when it changes.
/// </summary>
/// <remarks>
/// The grammar of <see cref="Parse"/> (also the <c>--beta-schedule</c> and <c>--lr-schedule</c> options); N counts steps,
/// and a STEPS or TOTAL left out means the whole run (the caller passes it):
/// <list type="bullet">
/// <item><c>constant:V</c> or just <c>V</c>: V at every step.</item>
/// <item><c>linear:FROM:TO[:STEPS]</c>: FROM at step 0 to TO at step STEPS along a line, then TO (a warm-up).</item>
/// <item><c>warmup:STEPS</c>: <c>linear:0:1:STEPS</c>.</item>
/// <item><c>cosine:FROM:TO[:STEPS]</c>: FROM to TO along half a cosine, FROM + (TO − FROM)·(1 − cos(π·s/STEPS))/2, then TO.</item>
/// <item><c>cyclical:CYCLES:RATIO[:TOTAL]</c>: Fu et al. 2019's cyclical annealing: TOTAL steps in CYCLES cycles of
/// length L = TOTAL/CYCLES; with τ = (s mod ⌈L⌉)/L the value is τ/RATIO while τ ≤ RATIO, else 1.</item>
/// <item><c>step:EVERY:GAMMA</c>: GAMMA^⌊s/EVERY⌋ (a step decay).</item>
/// </list>
/// Every number is finite, GAMMA above 0; STEPS, EVERY, CYCLES and TOTAL are whole and at least 1,
/// RATIO is in (0, 1]. <see cref="Of"/> wraps any function; such a schedule has no <see cref="Spec"/> and cannot be saved.
/// </remarks>
[JsonConverter(typeof(ScheduleJsonConverter))]
public abstract class Schedule
{
    /// <summary>The grammar that <see cref="Parse"/> reads back into this schedule (what files store); null for <see cref="Of"/>.</summary>
    public abstract string? Spec { get; }

    /// <summary>The value at <paramref name="step"/> (optimizer steps taken before the step it applies to, from 0).</summary>
    public abstract double At(long step);

    /// <summary>Whether the value is the same at every step (<see cref="Constant"/>).</summary>
    internal bool IsConstant => this is Fixed;

    /// <summary>The grammar, or "a function" for <see cref="Of"/>.</summary>
    public override string ToString() => Spec ?? "a function of the step";

    /// <summary>The same value at every step.</summary>
    public static Schedule Constant(double value) => new Fixed(Checked("constant", "V", value));

    /// <summary>From <paramref name="from"/> at step 0 to <paramref name="to"/> at <paramref name="steps"/> along a line, then <paramref name="to"/>.</summary>
    public static Schedule Linear(double from, double to, long steps) =>
        new Ramp("linear", Checked("linear", "FROM", from), Checked("linear", "TO", to), Positive("linear", "STEPS", steps), cosine: false);

    /// <summary>From 0 to 1 over <paramref name="steps"/> steps: <c>linear:0:1:STEPS</c>.</summary>
    public static Schedule Warmup(long steps) => Linear(0, 1, steps);

    /// <summary>From <paramref name="from"/> to <paramref name="to"/> along half a cosine over <paramref name="steps"/> steps, then <paramref name="to"/>.</summary>
    public static Schedule Cosine(double from, double to, long steps) =>
        new Ramp("cosine", Checked("cosine", "FROM", from), Checked("cosine", "TO", to), Positive("cosine", "STEPS", steps), cosine: true);

    /// <summary>
    /// Fu et al. 2019, "Cyclical Annealing Schedule": <paramref name="total"/> steps in <paramref name="cycles"/> cycles; each rises
    /// linearly from 0 to 1 over the first <paramref name="ratio"/> of the cycle and stays at 1 for the rest.
    /// </summary>
    public static Schedule Cyclical(int cycles, double ratio, long total)
    {
        Positive("cyclical", "CYCLES", cycles);
        if (!(ratio > 0 && ratio <= 1)) throw Bad("cyclical", $"RATIO must be in (0, 1], got {Format(ratio)}");
        return new Cycles(cycles, ratio, Positive("cyclical", "TOTAL", total));
    }

    /// <summary><paramref name="gamma"/>^⌊step/<paramref name="every"/>⌋: a step decay of the learning rate.</summary>
    public static Schedule StepDecay(long every, double gamma) =>
        new Decay(Positive("step", "EVERY", every),
            double.IsFinite(gamma) && gamma > 0 ? gamma : throw Bad("step", $"GAMMA must be a finite number above 0, got {Format(gamma)}"));

    /// <summary>Any function of the step; it is called once per step and cannot be saved in a model file or checkpoint (no <see cref="Spec"/>).</summary>
    public static Schedule Of(Func<long, double> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return new Function(function);
    }

    /// <summary>
    /// Reads the grammar above; <paramref name="totalSteps"/> fills a STEPS or TOTAL left out (the run's length). One
    /// <see cref="IlgpuAeException"/> naming the problem and the grammar when <paramref name="spec"/> does not parse.
    /// </summary>
    public static Schedule Parse(string spec, long? totalSteps = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var parts = spec.Trim().Split(':');
        string kind = parts[0].ToLowerInvariant();
        var args = parts.Skip(1).ToArray();
        if (parts.Length == 1 && double.TryParse(kind, NumberStyles.Float, CultureInfo.InvariantCulture, out double plain))
            return Constant(plain);
        double Number(int i, string name) =>
            double.TryParse(args[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
                ? v : throw Bad(kind, $"{name} must be a finite number, got '{args[i]}'");
        long Count(int i, string name) =>
            i < args.Length
                ? long.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : throw Bad(kind, $"{name} must be a whole number of steps, got '{args[i]}'")
                : totalSteps ?? throw Bad(kind, $"{name} is left out and no run length is known here: write it out");
        void Arity(int min, int max)
        {
            if (args.Length < min || args.Length > max) throw Bad(kind, $"takes {(min == max ? $"{min}" : $"{min} to {max}")} values, got {args.Length} in '{spec}'");
        }
        switch (kind)
        {
            case "constant": Arity(1, 1); return Constant(Number(0, "V"));
            case "linear": Arity(2, 3); return Linear(Number(0, "FROM"), Number(1, "TO"), Count(2, "STEPS"));
            case "warmup": Arity(0, 1); return Warmup(Count(0, "STEPS"));
            case "cosine": Arity(2, 3); return Cosine(Number(0, "FROM"), Number(1, "TO"), Count(2, "STEPS"));
            case "cyclical":
                Arity(2, 3);
                long cycles = Count(0, "CYCLES");
                if (cycles > int.MaxValue) throw Bad(kind, $"CYCLES must be at most {int.MaxValue}");
                return Cyclical((int)cycles, Number(1, "RATIO"), Count(2, "TOTAL"));
            case "step": Arity(2, 2); return StepDecay(Count(0, "EVERY"), Number(1, "GAMMA"));
            default:
                throw new IlgpuAeException($"schedule '{spec}' is not understood: {Grammar}");
        }
    }

    /// <summary>The grammar in one line, for error messages and help texts.</summary>
    public const string Grammar =
        "expected V, constant:V, linear:FROM:TO[:STEPS], warmup:STEPS, cosine:FROM:TO[:STEPS], cyclical:CYCLES:RATIO[:TOTAL] or step:EVERY:GAMMA";

    static IlgpuAeException Bad(string kind, string what) => new($"schedule {kind}: {what} ({Grammar})");

    static double Checked(string kind, string name, double v) =>
        double.IsFinite(v) ? v : throw Bad(kind, $"{name} must be a finite number, got {Format(v)}");

    static long Positive(string kind, string name, long v) => v >= 1 ? v : throw Bad(kind, $"{name} must be at least 1, got {v}");

    static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    sealed class Fixed(double value) : Schedule
    {
        public override string Spec => $"constant:{Format(value)}";
        public override double At(long step) => value;
    }

    sealed class Ramp(string kind, double from, double to, long steps, bool cosine) : Schedule
    {
        public override string Spec => $"{kind}:{Format(from)}:{Format(to)}:{steps}";
        public override double At(long step)
        {
            if (step >= steps) return to;
            double t = Math.Max(0, step) / (double)steps;
            return from + (to - from) * (cosine ? (1 - Math.Cos(Math.PI * t)) / 2 : t);
        }
    }

    sealed class Cycles(int cycles, double ratio, long total) : Schedule
    {
        public override string Spec => $"cyclical:{cycles}:{Format(ratio)}:{total}";
        public override double At(long step)
        {
            double length = total / (double)cycles;
            long period = (long)Math.Ceiling(length);
            double tau = Math.Max(0, step) % period / length;
            return tau <= ratio ? tau / ratio : 1;
        }
    }

    sealed class Decay(long every, double gamma) : Schedule
    {
        public override string Spec => $"step:{every}:{Format(gamma)}";
        public override double At(long step) => Math.Pow(gamma, Math.Max(0, step) / every);
    }

    sealed class Function(Func<long, double> f) : Schedule
    {
        public override string? Spec => null;
        public override double At(long step) => f(step);
    }
}

/// <summary>Writes a schedule as its <see cref="Schedule.Spec"/> string and reads it back; a function schedule cannot be written.</summary>
public sealed class ScheduleJsonConverter : JsonConverter<Schedule>
{
    /// <summary>Parses the stored grammar (stored schedules are complete: no step count is left out).</summary>
    public override Schedule Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException("a schedule is stored as a string such as \"linear:0:1:5000\"");
        try
        {
            return Schedule.Parse(reader.GetString()!);
        }
        catch (IlgpuAeException e)
        {
            throw new JsonException(e.Message);
        }
    }

    /// <summary>Writes <see cref="Schedule.Spec"/>; <see cref="IlgpuAeException"/> for a schedule made with <see cref="Schedule.Of"/>.</summary>
    public override void Write(Utf8JsonWriter writer, Schedule value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Spec ?? throw new IlgpuAeException(
            "a schedule made with Schedule.Of(function) cannot be saved: use one of Schedule.Constant, Linear, Warmup, Cosine, Cyclical " +
            "or StepDecay in the options, or build the function in the model's code (a model kind of its own) rather than in its options"));
}
