using IlgpuAe.Cli.Commands;

namespace IlgpuAe.Cli;

/// <summary>The `ilgpu-ae` command: dispatch, and the one place that turns failures into one-line messages.</summary>
public static class App
{
    public const string Usage = """
        usage: ilgpu-ae <command> [options]

        commands:
          train     train a model and write metrics, checkpoint and pictures into --out
          eval      reload a checkpoint and report its test loss
          field     train a denoising autoencoder on a 2-D toy distribution and draw its vector field
          devices   list the devices ILGPU sees, which one would be used, and why others are not usable
          bench     a quick table of GEMM GFLOP/s, elementwise GB/s against a memory copy and train step times
          check     kernels and a short training on one device against double-precision references
          export    write a model file's encoder and decoder as ONNX graphs

        ilgpu-ae <command> --help shows the options of a command.
        """;

    /// <summary>Runs a command line; returns the process exit code (0 ok, 1 failed, 2 bad command line).</summary>
    public static int Run(string[] argv, TextWriter stdout, TextWriter stderr)
    {
        if (argv.Length == 0 || argv[0] is "--help" or "-h" or "help")
        {
            stdout.WriteLine(Usage);
            return argv.Length == 0 ? 2 : 0;
        }
        var rest = argv.Skip(1).ToArray();
        try
        {
            if (rest.Contains("--help") || rest.Contains("-h"))
            {
                stdout.WriteLine(HelpFor(argv[0]));
                return 0;
            }
            return argv[0] switch
            {
                "train" => TrainCommand.Run(rest, stdout, stderr),
                "eval" => EvalCommand.Run(rest, stdout),
                "field" => FieldCommand.Run(rest, stdout),
                "devices" => DevicesCommand.Run(rest, stdout),
                "bench" => BenchCommand.Run(rest, stdout),
                "check" => CheckCommand.Run(rest, stdout),
                "export" => ExportCommand.Run(rest, stdout),
                _ => throw new UsageException($"unknown command '{argv[0]}': expected train, eval, field, devices, bench, check or export"),
            };
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return 2;
        }
        catch (IlgpuAeException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("ILGPU_AE_TRACE") is null)
        {
            stderr.WriteLine($"error: internal failure ({e.GetType().Name}): {e.Message} (set ILGPU_AE_TRACE=1 for the stack trace)");
            return 1;
        }
    }

    static string HelpFor(string command) => command switch
    {
        "train" => TrainCommand.Help,
        "eval" => EvalCommand.Help,
        "field" => FieldCommand.Help,
        "devices" => DevicesCommand.Help,
        "bench" => BenchCommand.Help,
        "check" => CheckCommand.Help,
        "export" => ExportCommand.Help,
        _ => throw new UsageException($"unknown command '{command}': expected train, eval, field, devices, bench, check or export"),
    };
}
