using System.CommandLine;

namespace IlgpuAe.Cli;

/// <summary>
/// The typed values of one parsed command line. Every value a command reads is remembered, given or
/// defaulted, so a run can write exactly the options it used (<see cref="Used"/>) to its config.json.
/// </summary>
public sealed class Args(ParseResult parse)
{
    readonly List<KeyValuePair<string, object>> _used = [];

    public ParseResult Parse { get; } = parse;

    /// <summary>Whether the option was given (on the command line or in a config file), not defaulted.</summary>
    public bool Has(Option option) => Parse.GetResult(option) is { Implicit: false };

    /// <summary>The option's value; a value (not null) is recorded as used.</summary>
    public T Get<T>(CliOption<T> option)
    {
        T value = Parse.GetValue(option)!;
        if (value is not null) Use(option.Key, (object)value);
        return value;
    }

    /// <summary>Records a value a command derived itself (a default that depends on other options).</summary>
    public T Use<T>(string key, T value) where T : notnull
    {
        int i = _used.FindIndex(kv => kv.Key == key);
        if (i >= 0) _used[i] = new(key, value);
        else _used.Add(new(key, value));
        return value;
    }

    /// <summary>The values read so far, in reading order.</summary>
    public IReadOnlyList<KeyValuePair<string, object>> Used => _used;
}

/// <summary>A command line that cannot be run as written; exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
