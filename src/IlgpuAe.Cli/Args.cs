using System.Globalization;

namespace IlgpuAe.Cli;

/// <summary>
/// Strict `--name value` options: every option a command accepts is declared, anything else is
/// an error naming it, and every value is parsed with a message naming the option.
/// </summary>
public sealed class Args
{
    readonly Dictionary<string, string?> _values = [];
    readonly HashSet<string> _used = [];

    Args(string command) => Command = command;

    public string Command { get; }

    /// <summary>Parses options; <paramref name="flags"/> take no value, <paramref name="options"/> take one.</summary>
    public static Args Parse(string command, IReadOnlyList<string> argv, IReadOnlyCollection<string> options, IReadOnlyCollection<string> flags)
    {
        var args = new Args(command);
        for (int i = 0; i < argv.Count; i++)
        {
            string a = argv[i];
            if (!a.StartsWith("--", StringComparison.Ordinal))
                throw new UsageException($"{command}: unexpected argument '{a}' (options start with --)");
            string name = a[2..];
            string? inline = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) { inline = name[(eq + 1)..]; name = name[..eq]; }
            if (flags.Contains(name))
            {
                if (inline is not null) throw new UsageException($"{command}: --{name} takes no value");
                args._values[name] = null;
            }
            else if (options.Contains(name))
            {
                string? value = inline ?? (i + 1 < argv.Count ? argv[++i] : null);
                if (value is null) throw new UsageException($"{command}: --{name} needs a value");
                args._values[name] = value;
            }
            else
            {
                var known = options.Concat(flags).OrderBy(s => s, StringComparer.Ordinal).Select(s => "--" + s);
                throw new UsageException($"{command}: unknown option --{name}; known options: {string.Join(", ", known)}");
            }
        }
        return args;
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public string? String(string name) => _values.TryGetValue(name, out var v) ? v : null;

    public string String(string name, string fallback) => String(name) ?? fallback;

    public string Choice(string name, string fallback, params string[] allowed)
    {
        string v = String(name, fallback).ToLowerInvariant();
        if (!allowed.Contains(v))
            throw new UsageException($"--{name} must be one of {string.Join(", ", allowed)}, got '{v}'");
        return v;
    }

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        string? s = String(name);
        if (s is null) return fallback;
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            throw new UsageException($"--{name} must be an integer, got '{s}'");
        if (v < min || v > max)
            throw new UsageException($"--{name} must be between {min} and {max}, got {v}");
        return v;
    }

    public ulong ULong(string name, ulong fallback)
    {
        string? s = String(name);
        if (s is null) return fallback;
        if (!ulong.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong v))
            throw new UsageException($"--{name} must be a non-negative integer, got '{s}'");
        return v;
    }

    public double Double(string name, double fallback, double min = double.NegativeInfinity, double max = double.PositiveInfinity, bool exclusiveMin = false)
    {
        string? s = String(name);
        if (s is null) return fallback;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw new UsageException($"--{name} must be a finite number, got '{s}'");
        if (v < min || v > max || (exclusiveMin && v == min))
            throw new UsageException($"--{name} must be {(exclusiveMin ? "greater than" : "at least")} {min.ToString(CultureInfo.InvariantCulture)}" +
                (double.IsPositiveInfinity(max) ? "" : $" and at most {max.ToString(CultureInfo.InvariantCulture)}") + $", got {s}");
        return v;
    }

    public int[] IntList(string name, int[] fallback)
    {
        string? s = String(name);
        if (s is null) return fallback;
        if (s.Trim().Length == 0) throw new UsageException($"--{name} needs at least one positive integer, got '{s}'");
        var parts = s.Split(',', StringSplitOptions.TrimEntries);
        var result = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out result[i]) || result[i] <= 0)
                throw new UsageException($"--{name} must be a comma-separated list of positive integers, got '{s}'");
        return result;
    }
}

/// <summary>A command line that cannot be run as written; exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
