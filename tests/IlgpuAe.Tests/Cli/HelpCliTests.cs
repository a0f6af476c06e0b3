using IlgpuAe.Cli;
using Xunit;
using static IlgpuAe.Tests.Support.CliHarness;

namespace IlgpuAe.Tests.Cli;

/// <summary>`--help` is generated from the declared options; misspelled names get the nearest ones.</summary>
public class HelpCliTests
{
    [Theory]
    [InlineData("train", "--epochs <N>", "--config <FILE>", "--resume <DIR>", "--keep-last-batch")]
    [InlineData("eval", "--model-file <FILE>", "--iw <K>", "--jacobian-spectrum <N>", "--json")]
    [InlineData("field", "--shape <circle|spiral>", "--grid <N>", "--quiet")]
    [InlineData("devices", "--backend <auto|cuda|opencl|cpu>")]
    [InlineData("bench", "--gemm <MxNxK[,...]>", "--batches <B[,...]>", "--profile")]
    [InlineData("check", "--backend <auto|cuda|opencl|cpu>")]
    public void Every_command_has_a_generated_help(string command, params string[] rows)
    {
        var r = Run(command, "--help");
        Assert.Equal(0, r.Code);
        Assert.Contains($"ilgpu-ae {command} [options]", r.Out);
        foreach (var row in rows) Assert.Contains(row, r.Out);
        Assert.Empty(r.Err);
    }

    [Fact]
    public void Train_help_lists_the_options_of_every_model_and_only_one_with_model()
    {
        var all = Run("train", "--help").Out;
        foreach (var kind in new[] { "ae", "vae", "cvae", "dae", "sparse", "cae" })
            Assert.Contains($"Options of --model {kind},", all);
        Assert.Contains("--posterior <diag|full>", all);
        Assert.Contains("--activation <relu|leaky_relu|tanh|...>       hidden activation [default: relu]", all);

        var vae = Run("train", "--model", "vae", "--help").Out;
        Assert.Contains("Options of --model vae,", vae);
        Assert.DoesNotContain("Options of --model cvae,", vae);
    }

    [Fact]
    public void The_top_level_help_lists_every_command_and_no_arguments_is_a_usage_error()
    {
        var help = Run("--help");
        Assert.Equal(0, help.Code);
        foreach (var c in new[] { "train", "eval", "field", "devices", "bench", "check" }) Assert.Contains(c, help.Out);
        Assert.Equal(2, Run().Code);
    }

    [Theory]
    [InlineData("did you mean --epochs?", "train", "--epoch", "3")]
    [InlineData("did you mean --batch?", "train", "--bacth", "64")]
    [InlineData("did you mean --latent?", "train", "--model", "vae", "--latnet", "2")]
    [InlineData("did you mean --model-file?", "eval", "--model-fil", "x")]
    [InlineData("did you mean --elements?", "bench", "--element", "10")]
    [InlineData("(did you mean train?)", "trian")]
    public void A_misspelled_name_gets_the_nearest_known_one(string mentions, params string[] args)
    {
        var r = Run(args);
        Assert.Equal(2, r.Code);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.Contains(mentions, r.Err);
    }

    [Fact]
    public void A_name_close_to_nothing_lists_the_known_options()
    {
        var r = Run("devices", "--zzzzzz");
        Assert.Equal(2, r.Code);
        Assert.Contains("devices: unknown option --zzzzzz; known options: --backend", r.Err);
    }

    [Fact]
    public void The_last_occurrence_of_an_option_wins_as_before()
    {
        // Before System.CommandLine the last value won; scripts that append an override keep working.
        var r = Run("train", "--epochs", "x", "--epochs", "-1");
        Assert.Contains("--epochs must be between 0 and 100000, got -1", r.Err);
    }
}
