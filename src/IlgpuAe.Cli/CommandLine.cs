using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;

namespace IlgpuAe.Cli;

/// <summary>
/// One subcommand of `ilgpu-ae`: its System.CommandLine declaration (options, help) and what it does.
/// A command declares each of its options once, as a field; <see cref="Declare"/> lists them.
/// </summary>
public abstract class CliCommand
{
    public abstract string Name { get; }

    /// <summary>The one-line summary of the top-level help; the first line of the command's own help.</summary>
    public abstract string Description { get; }

    /// <summary>More words for the command's help, after the options; none by default.</summary>
    public virtual string? Remarks => null;

    /// <summary>The command for <paramref name="argv"/> (train picks its options by --model from it).</summary>
    public virtual Command Declare(IReadOnlyList<string> argv) => CommandLine.Declare(Name, Description, Options);

    /// <summary>The options of the command, in help order.</summary>
    protected virtual IEnumerable<ICliOption> Options => [];

    public abstract int Run(IReadOnlyList<string> argv, Io io);

    /// <summary>Parses <paramref name="argv"/> with the declared options and runs <paramref name="run"/>, or prints help.</summary>
    protected int Parse(Command command, IReadOnlyList<string> argv, Io io, Func<Args, int> run, Action<TextWriter>? moreHelp = null)
    {
        var parse = CommandLine.Parse(command, argv);
        if (parse.Action is HelpAction)
        {
            CommandLine.WriteHelp(command, io.Out);
            moreHelp?.Invoke(io.Out);
            if (Remarks is not null) io.Out.WriteLine(Remarks.TrimEnd() + Environment.NewLine);
            return 0;
        }
        CommandLine.ThrowOnError(parse, Name);
        return run(new Args(parse));
    }
}

/// <summary>System.CommandLine set up the way this project reads a command line, and its errors as one line.</summary>
public static class CommandLine
{
    // No response files: `--out @x` is a path, not a file of arguments.
    static readonly ParserConfiguration Config = new() { ResponseFileTokenReplacer = null };

    public static Command Declare(string name, string description, IEnumerable<ICliOption> options)
    {
        var command = new Command(name, description);
        foreach (var o in options) command.Options.Add(o.Option);
        command.Options.Add(new HelpOption());
        return command;
    }

    public static ParseResult Parse(Command command, IReadOnlyList<string> argv) => command.Parse(argv, Config);

    /// <summary>The declared options of a command, without help.</summary>
    public static IEnumerable<ICliOption> OptionsOf(Command command) => command.Options.OfType<ICliOption>();

    /// <summary>
    /// The first problem of a parse as one line (an unknown option with the nearest known ones, a
    /// missing value, a value out of range), or nothing; <paramref name="hint"/> may explain an unknown option.
    /// </summary>
    public static (string Message, ICliOption? Option)? FirstError(ParseResult parse, string label, Func<string, string?>? hint = null)
    {
        var command = parse.CommandResult.Command;
        if (parse.UnmatchedTokens.Count > 0)
        {
            string token = parse.UnmatchedTokens[0];
            if (!token.StartsWith('-')) return ($"{label}: unexpected argument '{token}' (options start with --)", null);
            string name = token.TrimStart('-').Split('=')[0];
            var known = OptionsOf(command).Select(o => o.Key).ToList();
            var near = Suggest(name, known);
            string more = hint?.Invoke(name)
                ?? (near.Count > 0
                    ? $"did you mean {string.Join(" or ", near.Select(n => "--" + n))}?"
                    : $"known options: {string.Join(", ", known.Order(StringComparer.Ordinal).Select(k => "--" + k))}");
            return ($"{label}: unknown option --{name}; {more}", null);
        }
        if (parse.Errors.Count == 0) return null;
        var error = parse.Errors[0];
        var optionResult = error.SymbolResult as OptionResult ?? (error.SymbolResult as ArgumentResult)?.Parent as OptionResult;
        var option = optionResult?.Option as ICliOption;
        if (optionResult is not null && optionResult.Tokens.Count == 0)
            return ($"{label}: --{option?.Key ?? optionResult.Option.Name.TrimStart('-')} needs a value", option);
        return (error.Message, option);
    }

    public static void ThrowOnError(ParseResult parse, string label, Func<string, string?>? hint = null)
    {
        if (FirstError(parse, label, hint) is { } e) throw new UsageException(e.Message);
    }

    /// <summary>Known names within a small edit distance of <paramref name="name"/>, or that it begins.</summary>
    public static IReadOnlyList<string> Suggest(string name, IEnumerable<string> known)
    {
        int limit = Math.Max(1, name.Length / 3);
        var scored = known.Select(k => (Key: k, Distance: Distance(name, k)))
            .Where(s => s.Distance <= limit || (name.Length >= 3 && s.Key.StartsWith(name, StringComparison.Ordinal)))
            .OrderBy(s => s.Distance).ThenBy(s => s.Key, StringComparer.Ordinal).ToList();
        return scored.Take(2).Select(s => s.Key).ToList();
    }

    /// <summary>Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1.</summary>
    static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }

    /// <summary>System.CommandLine's help of <paramref name="command"/>, written to <paramref name="output"/>.</summary>
    public static void WriteHelp(Command command, TextWriter output)
    {
        // Under a root named for the program, so the usage line reads `ilgpu-ae train [options]`.
        var root = command.Name == "ilgpu-ae" ? command : new Command("ilgpu-ae") { Subcommands = { command } };
        var help = Parse(root, command == root ? ["--help"] : [command.Name, "--help"]);
        help.Invoke(new InvocationConfiguration { Output = output, Error = output, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
    }

    /// <summary>
    /// A section of option rows in the layout of System.CommandLine's help (for options that are not
    /// the command's own, such as those of one --model): a title, then `  --name &lt;VALUE&gt;  description [default: D]`.
    /// </summary>
    public static void WriteSection(TextWriter output, string title, IEnumerable<ICliOption> options, int firstColumn)
    {
        output.WriteLine(title);
        foreach (var o in options)
        {
            string first = "  " + Label(o.Option);
            output.WriteLine(first.PadRight(firstColumn) + "  " + Describe(o.Option));
        }
        output.WriteLine();
    }

    /// <summary>The first column's width for sections that should line up with each other.</summary>
    public static int Width(IEnumerable<ICliOption> options) => options.Select(o => 2 + Label(o.Option).Length).DefaultIfEmpty(0).Max();

    static string Label(Option o) => o.HelpName is null && o.ValueType == typeof(bool) ? o.Name : $"{o.Name} <{o.HelpName ?? o.Name.TrimStart('-')}>";

    static string Describe(Option o)
    {
        string text = o.Description ?? "";
        if (!o.HasDefaultValue) return text;
        object? value = o.GetDefaultValue();
        string shown = value switch
        {
            int[] list => list.Length == 0 ? "none" : string.Join(",", list),
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            null => "",
            _ => value.ToString() ?? "",
        };
        return $"{text} [default: {shown}]";
    }
}
