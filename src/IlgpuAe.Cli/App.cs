using System.CommandLine;
using System.Reflection;
using IlgpuAe.Cli.Commands;
using IlgpuAe.Cli.Recipes;

namespace IlgpuAe.Cli;

/// <summary>The `ilgpu-ae` command: dispatch, and the one place that turns failures into one-line messages.</summary>
public static class App
{
    /// <summary>Runs a command line with plain output (no terminal); returns the exit code (0 ok, 1 failed, 2 bad command line).</summary>
    public static int Run(string[] argv, TextWriter stdout, TextWriter stderr) => Run(argv, new Io(stdout, stderr));

    public static int Run(string[] argv, Io io)
    {
        try
        {
            var recipes = ModelRecipes.Create();
            CliCommand[] commands =
                [new TrainCommand(recipes), new EvalCommand(recipes), new FieldCommand(), new QuadrantsCommand(), new DevicesCommand(), new BenchCommand(recipes), new CheckCommand(), new ExportCommand()];
            if (argv.Length == 0 || argv[0] is "--help" or "-h" or "-?" or "help")
            {
                CommandLine.WriteHelp(Root(commands), io.Out);
                return argv.Length == 0 ? 2 : 0;
            }
            if (argv[0] == "--version")
            {
                // The informational version is the package's, 0.2.N+sha; the assembly version is 0.2.0 for every build.
                io.Out.WriteLine(typeof(App).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                    ?? typeof(App).Assembly.GetName().Version?.ToString(3));
                return 0;
            }
            var command = commands.FirstOrDefault(c => c.Name == argv[0]) ?? throw UnknownCommand(argv[0], commands);
            return command.Run(argv[1..], io);
        }
        catch (UsageException e)
        {
            io.Err.WriteLine($"error: {e.Message}");
            return 2;
        }
        catch (IlgpuAeException e)
        {
            io.Err.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            io.Err.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("ILGPU_AE_TRACE") is null)
        {
            io.Err.WriteLine($"error: internal failure ({e.GetType().Name}): {e.Message} (set ILGPU_AE_TRACE=1 for the stack trace)");
            return 1;
        }
    }

    /// <summary>The top-level help's command: every subcommand with its summary.</summary>
    static Command Root(IEnumerable<CliCommand> commands)
    {
        var root = CommandLine.Declare("ilgpu-ae", "Train autoencoders on hand-written ILGPU kernels. `ilgpu-ae <command> --help` shows the options of a command.", []);
        root.Options.Add(new VersionOption());
        foreach (var c in commands) root.Subcommands.Add(new Command(c.Name, c.Description));
        return root;
    }

    static UsageException UnknownCommand(string name, IEnumerable<CliCommand> commands)
    {
        var names = commands.Select(c => c.Name).ToList();
        var near = CommandLine.Suggest(name, names);
        string expected = string.Join(", ", names.SkipLast(1)) + " or " + names[^1];
        return new UsageException($"unknown command '{name}': expected {expected}" + (near.Count > 0 ? $" (did you mean {near[0]}?)" : ""));
    }
}
