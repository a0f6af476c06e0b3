using IlgpuAe.Tests.Data;
using Xunit;

namespace IlgpuAe.Tests.Reliability;

/// <summary>eval validates a model file's metadata with the rules training applies.</summary>
public class EvalMetadataTests(FinishedRuns runs) : IClassFixture<FinishedRuns>, IDisposable
{
    readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, string, string> BadMetadata() => new()
    {
        { "batch", "0", "not a whole number in 1..1048576" },
        { "batch", "-5", "not a whole number" },
        { "batch", "abc", "not a whole number" },
        { "batch", "100000000000000000000", "not a whole number" },
        { "image_width", "0", "not a whole number in 1..65536" },
        { "image_width", "100000", "not a whole number in 1..65536" },
        { "image_height", "-28", "not a whole number" },
        { "image_width", "14", "image size 14x28 is 392 pixels" },
        { "image_channels", "0", "not a whole number in 1..4096" },
        { "image_channels", "3", "image size 3x28x28 (channels x height x width) is 2352 values" },
        { "dtype", "F16", "not F32 or F64" },
        { "dtype", "F64", "tensor encoder.0.weight is F32" },
    };

    [Theory, MemberData(nameof(BadMetadata))]
    public void Eval_refuses_metadata_training_would_refuse(string key, string value, string says)
    {
        string run = runs.Copy(runs.Ae, _dir), model = Path.Combine(run, "model.safetensors");
        Hostile.EditMetadata(model, m => m[key] = value);
        var r = Hostile.Cli("eval", "--model-file", model, "--data", runs.Data, "--backend", "cpu");
        Assert.Equal(1, r.Code);
        Assert.Contains($"metadata", r.Err);
        Assert.Contains(says, r.Err);
        Assert.Contains(model, r.Err);
    }

    [Fact]
    public void Eval_of_a_good_file_reports_the_loss()
    {
        var r = Hostile.Cli("eval", "--model-file", Path.Combine(runs.Ae, "model.safetensors"), "--data", runs.Data, "--backend", "cpu");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("test loss", r.Out);
        Assert.DoesNotContain("unverified", r.Out);
    }
}
