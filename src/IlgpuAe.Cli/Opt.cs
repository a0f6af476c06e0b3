using System.CommandLine;
using System.Globalization;
using IlgpuAe.Kernels;

namespace IlgpuAe.Cli;

/// <summary>What a JSON value of a config file must be for an option; also how it becomes a command-line token.</summary>
public enum ValueKind { Integer, Number, Text, IntegerList, Flag }

/// <summary>
/// A System.CommandLine option of this command line: `--name value`, where the last occurrence wins
/// (so a config file's value is overridden by the command line's), with the parse and range messages
/// of this project and what a config file's JSON value for it must be.
/// </summary>
public sealed class CliOption<T> : Option<T>, ICliOption
{
    internal CliOption(string name, string? helpName, string description, ValueKind kind, Func<string, (T Value, string? Error)>? parse, Func<T>? fallback)
        : base("--" + name)
    {
        Key = name;
        Kind = kind;
        Description = description;
        HelpName = helpName;
        if (fallback is not null) DefaultValueFactory = _ => fallback();
        if (parse is null) return;
        Arity = ArgumentArity.OneOrMore;
        AllowMultipleArgumentsPerToken = false;
        CustomParser = result =>
        {
            if (result.Tokens.Count == 0) return fallback is null ? default! : fallback();
            var (value, error) = parse(result.Tokens[^1].Value);
            if (error is not null) result.AddError(error);
            return value;
        };
    }

    public string Key { get; }

    public ValueKind Kind { get; }

    Option ICliOption.Option => this;
}

/// <summary>The non-generic face of <see cref="CliOption{T}"/>: its key in a config file and its JSON kind.</summary>
public interface ICliOption
{
    string Key { get; }
    ValueKind Kind { get; }
    Option Option { get; }
}

/// <summary>
/// Factories for every kind of option. Each option is declared once, where its command or recipe
/// lives, with its default and its valid range; the messages name the option.
/// </summary>
public static class Opt
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static CliOption<int> Int(string name, string description, int fallback, int min = int.MinValue, int max = int.MaxValue, string helpName = "N") =>
        new(name, helpName, description, ValueKind.Integer, s => ParseInt(name, s, min, max), () => fallback);

    /// <summary>An integer option without a default: null when not given.</summary>
    public static CliOption<int?> OptionalInt(string name, string description, int min = int.MinValue, int max = int.MaxValue, string helpName = "N") =>
        new(name, helpName, description, ValueKind.Integer, s => { var (v, e) = ParseInt(name, s, min, max); return (v, e); }, null);

    public static CliOption<ulong> ULong(string name, string description, ulong fallback, string helpName = "S") =>
        new(name, helpName, description, ValueKind.Integer, s =>
            ulong.TryParse(s, NumberStyles.Integer, Inv, out ulong v) ? (v, null) : (0UL, $"--{name} must be a non-negative integer, got '{s}'"),
            () => fallback);

    public static CliOption<double> Double(string name, string description, double fallback, double min = double.NegativeInfinity,
        double max = double.PositiveInfinity, bool exclusiveMin = false, string helpName = "X") =>
        new(name, helpName, description, ValueKind.Number, s => ParseDouble(name, s, min, max, exclusiveMin), () => fallback);

    /// <summary>A number option without a default (its default depends on other options): null when not given.</summary>
    public static CliOption<double?> OptionalDouble(string name, string description, double min = double.NegativeInfinity,
        double max = double.PositiveInfinity, bool exclusiveMin = false, string helpName = "X") =>
        new(name, helpName, description, ValueKind.Number, s => { var (v, e) = ParseDouble(name, s, min, max, exclusiveMin); return (v, e); }, null);

    /// <summary>One of <paramref name="allowed"/>, any case, read lower-case.</summary>
    public static CliOption<string> Choice(string name, string description, string fallback, params string[] allowed)
    {
        var option = new CliOption<string>(name, string.Join("|", allowed), description, ValueKind.Text, s =>
        {
            string v = s.ToLowerInvariant();
            return allowed.Contains(v) ? (v, null) : (v, $"--{name} must be one of {string.Join(", ", allowed)}, got '{v}'");
        }, () => fallback);
        option.CompletionSources.Add(allowed);
        return option;
    }

    /// <summary>A choice whose default depends on other options: null when not given.</summary>
    public static CliOption<string?> OptionalChoice(string name, string description, params string[] allowed)
    {
        var option = new CliOption<string?>(name, string.Join("|", allowed), description, ValueKind.Text, s =>
        {
            string v = s.ToLowerInvariant();
            return allowed.Contains(v) ? (v, null) : (v, $"--{name} must be one of {string.Join(", ", allowed)}, got '{v}'");
        }, null);
        option.CompletionSources.Add(allowed);
        return option;
    }

    /// <summary>Free text (a path, a name checked later): null when not given unless a fallback is declared.</summary>
    public static CliOption<string?> Text(string name, string description, string helpName, string? fallback = null) =>
        new(name, helpName, description, ValueKind.Text, s => (s, null), fallback is null ? null : () => fallback);

    /// <summary>Comma-separated positive integers; an empty value is the empty list.</summary>
    public static CliOption<int[]> IntList(string name, string description, int[] fallback, string helpName = "N[,N...]") =>
        new(name, helpName, description, ValueKind.IntegerList, s => ParseIntList(name, s), () => fallback);

    /// <summary>An option without a value.</summary>
    public static CliOption<bool> Flag(string name, string description) =>
        new(name, null, description, ValueKind.Flag, null, null);

    static readonly (string Name, Activation Value)[] Activations =
    [
        ("relu", IlgpuAe.Activation.Relu), ("leaky_relu", IlgpuAe.Activation.LeakyRelu), ("tanh", IlgpuAe.Activation.Tanh),
        ("sigmoid", IlgpuAe.Activation.Sigmoid), ("elu", IlgpuAe.Activation.Elu), ("softplus", IlgpuAe.Activation.Softplus),
        ("identity", IlgpuAe.Activation.Identity),
    ];

    /// <summary>An activation by its name (leakyrelu and linear are accepted for leaky_relu and identity); <see cref="ActivationOf"/> maps it.</summary>
    public static CliOption<string> Activation(string name, string description, string fallback)
    {
        var option = new CliOption<string>(name, "relu|leaky_relu|tanh|...", description, ValueKind.Text, s => ParseActivation(name, s), () => fallback);
        option.CompletionSources.Add(Activations.Select(a => a.Name).ToArray());
        return option;
    }

    /// <summary>An activation whose default depends on other options: null when not given.</summary>
    public static CliOption<string?> OptionalActivation(string name, string description)
    {
        var option = new CliOption<string?>(name, "relu|leaky_relu|tanh|...", description, ValueKind.Text, s => ParseActivation(name, s), null);
        option.CompletionSources.Add(Activations.Select(a => a.Name).ToArray());
        return option;
    }

    public static Activation ActivationOf(string name) => Activations.First(a => a.Name == name).Value;

    static (string, string?) ParseActivation(string name, string s)
    {
        string v = s.ToLowerInvariant() switch { "leakyrelu" => "leaky_relu", "linear" => "identity", var x => x };
        return Activations.Any(a => a.Name == v)
            ? (v, null)
            : (v, $"--{name} must be one of {string.Join(", ", Activations.Select(a => a.Name))}, got '{s}'");
    }

    /// <summary>The range message of an integer whose bounds are known only at run time (the data's size).</summary>
    public static int InRange(string name, int value, int min, int max) =>
        value < min || value > max ? throw new UsageException($"--{name} must be between {min} and {max}, got {value}") : value;

    static (int, string?) ParseInt(string name, string s, int min, int max)
    {
        if (!int.TryParse(s, NumberStyles.Integer, Inv, out int v)) return (0, $"--{name} must be an integer, got '{s}'");
        if (v < min || v > max) return (v, $"--{name} must be between {min} and {max}, got {v}");
        return (v, null);
    }

    static (double, string?) ParseDouble(string name, string s, double min, double max, bool exclusiveMin)
    {
        if (!double.TryParse(s, NumberStyles.Float, Inv, out double v) || !double.IsFinite(v))
            return (0, $"--{name} must be a finite number, got '{s}'");
        if (v < min || v > max || (exclusiveMin && v == min))
            return (v, $"--{name} must be {(exclusiveMin ? "greater than" : "at least")} {min.ToString(Inv)}" +
                (double.IsPositiveInfinity(max) ? "" : $" and at most {max.ToString(Inv)}") + $", got {s}");
        return (v, null);
    }

    static (int[], string?) ParseIntList(string name, string s)
    {
        if (s.Trim().Length == 0) return ([], $"--{name} needs at least one positive integer, got '{s}'");
        var parts = s.Split(',', StringSplitOptions.TrimEntries);
        var result = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.Integer, Inv, out result[i]) || result[i] <= 0)
                return ([], $"--{name} must be a comma-separated list of positive integers, got '{s}'");
        return (result, null);
    }
}
