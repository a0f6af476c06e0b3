using Spectre.Console;

namespace IlgpuAe.Cli;

/// <summary>
/// Where a command writes, and whether each stream is a terminal: only a terminal gets Spectre.Console's
/// live tables and progress bar; a file, a pipe or a CI log gets plain lines without escape codes.
/// </summary>
public sealed class Io(TextWriter stdout, TextWriter stderr, bool outIsTerminal = false, bool errIsTerminal = false)
{
    public TextWriter Out { get; } = stdout;
    public TextWriter Err { get; } = stderr;
    public bool OutIsTerminal { get; } = outIsTerminal;
    public bool ErrIsTerminal { get; } = errIsTerminal;

    /// <summary>The process's console: a stream is a terminal when it is not redirected and TERM is not `dumb`.</summary>
    public static Io FromConsole()
    {
        bool dumb = Environment.GetEnvironmentVariable("TERM") == "dumb";
        return new Io(Console.Out, Console.Error, !dumb && !Console.IsOutputRedirected, !dumb && !Console.IsErrorRedirected);
    }

    /// <summary>A Spectre.Console console over <paramref name="writer"/>, for a stream known to be a terminal (NO_COLOR is honoured).</summary>
    public static IAnsiConsole Ansi(TextWriter writer) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(writer),
        Ansi = AnsiSupport.Yes,
        ColorSystem = ColorSystemSupport.Detect,
        Interactive = InteractionSupport.Yes,
    });
}

/// <summary>
/// A table whose rows arrive one by one (a benchmark row when it is measured, a check when it is
/// done): on a terminal a Spectre.Console table that grows in place; elsewhere a header line and one
/// fixed-width line per row, the same text every time, for logs and for scripts that read the columns.
/// </summary>
public static class RowTable
{
    /// <summary>A column: its header, its width in plain lines (0: as wide as its text), right-aligned or not.</summary>
    public sealed record Column(string Header, int Width, bool Right = false);

    public static void Write(Io io, IReadOnlyList<Column> columns, Action<Action<string[]>> fill)
    {
        if (!io.OutIsTerminal)
        {
            io.Out.WriteLine(Plain(columns, columns.Select(c => c.Header).ToArray()));
            fill(cells => io.Out.WriteLine(Plain(columns, cells)));
            return;
        }
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var c in columns)
            table.AddColumn(new TableColumn(Markup.Escape(c.Header.Trim())) { Alignment = c.Right ? Justify.Right : Justify.Left });
        var console = Io.Ansi(io.Out);
        console.Live(table).Start(context =>
        {
            context.Refresh();
            fill(cells =>
            {
                table.AddRow(cells.Select(s => new Text(s.Trim()) as Spectre.Console.Rendering.IRenderable).ToArray());
                context.Refresh();
            });
        });
    }

    static string Plain(IReadOnlyList<Column> columns, string[] cells) => string.Join(" ", columns.Select((c, i) =>
    {
        string s = i < cells.Length ? cells[i] : "";
        return c.Width == 0 ? s : c.Right ? s.PadLeft(c.Width) : s.PadRight(c.Width);
    })).TrimEnd();
}
