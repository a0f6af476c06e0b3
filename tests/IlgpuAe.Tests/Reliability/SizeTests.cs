using System.Text.Json;
using System.Text.Json.Nodes;
using IlgpuAe.Checkpoints;
using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Tests.Data;
using IlgpuAe.Training;
using Xunit;

namespace IlgpuAe.Tests.Reliability;

/// <summary>Sizes are checked before memory is spent: a configuration against the tensors, a model against free memory.</summary>
public class SizeTests : IDisposable
{
    readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A real checkpoint whose configuration now claims <paramref name="key"/> = <paramref name="value"/> (the tensors unchanged).</summary>
    string Inflated(string name, string key, JsonNode value)
    {
        string path = Hostile.RealCheckpoint(_dir.File(name));
        Hostile.EditMetadata(path, m =>
        {
            var config = JsonNode.Parse(m["config"])!.AsObject();
            config[key] = value;
            m["config"] = config.ToJsonString();
        });
        return path;
    }

    public static TheoryData<string, string> Billions() => new()
    {
        { "hidden", "[1000000000]" },
        { "code", "1000000000" },
        { "features", "1000000000" },
    };

    [Theory, MemberData(nameof(Billions))]
    public void A_configuration_asking_for_a_billion_units_is_refused_before_anything_is_allocated(string key, string value)
    {
        string path = Inflated($"{key}.safetensors", key, JsonNode.Parse(value)!);
        long before = TestDevice.Cpu.LiveBytes;
        var e = Assert.Throws<IlgpuAeException>(() => ModelFile.Load<float>(TestDevice.Cpu, path).Dispose());
        Assert.Contains(path, e.Message);
        Assert.Contains("1000000000", e.Message);
        Assert.Equal(before, TestDevice.Cpu.LiveBytes);
        Assert.Throws<IlgpuAeException>(() => RunCheckpoint.Load<float>(TestDevice.Cpu, path).Model.Dispose());
    }

    [Fact]
    public void Eval_and_resume_of_such_a_file_are_one_clear_error()
    {
        string data = Hostile.TinyData(_dir), run = _dir.File("run");
        Assert.Equal(0, Hostile.Cli([.. Hostile.QuickTrain(data, run), "--epochs", "1"]).Code);
        foreach (var file in new[] { "model.safetensors", RunCheckpoint.FileName })
            Hostile.EditMetadata(Path.Combine(run, file), m => m["config"] = m["config"].Replace("[16]", "[1000000000]"));
        var eval = Hostile.Cli("eval", "--model-file", Path.Combine(run, "model.safetensors"), "--data", data, "--backend", "cpu");
        Assert.Equal(1, eval.Code);
        Assert.Contains("the model needs [", eval.Err);
        Assert.Contains("1000000000", eval.Err);
        var resume = Hostile.Cli("train", "--resume", run, "--epochs", "2", "--quiet");
        Assert.Equal(1, resume.Code);
        Assert.Contains("1000000000", resume.Err);
    }

    [Fact]
    public void A_request_beyond_the_free_memory_is_refused_with_both_sizes()
    {
        var e = Assert.Throws<IlgpuAeException>(() => MemoryBudget.Require(TestDevice.Cpu, 1L << 50, "a test's buffers"));
        Assert.Contains("1048576.0 GiB", e.Message);
        Assert.Contains("free on", e.Message);
        Assert.True(MemoryBudget.FreeBytes(TestDevice.Cpu) > 0);
    }

    [SkippableFact]
    public void A_model_whose_training_would_not_fit_in_free_memory_is_refused_before_it_is_allocated()
    {
        // About 2 billion parameters: 8 GiB each for values, gradients and Adam's two moments.
        using var model = new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions { Hidden = [1_300_000], Code = 4 }, seed: 1);
        using var adam = new Adam(1e-3);
        long needed = MemoryBudget.TrainingBytes(model, 128, 2), free = MemoryBudget.FreeBytes(TestDevice.Cpu);
        Skip.If(needed <= free, $"this machine has {MemoryBudget.Format(free)} free, enough for the {MemoryBudget.Format(needed)} model");
        long before = TestDevice.Cpu.LiveBytes;
        var e = Assert.Throws<IlgpuAeException>(() => new Trainer<float>(model, adam, 128, seed: 1).Dispose());
        Assert.Contains(MemoryBudget.Format(needed), e.Message);
        Assert.Contains("parameters", e.Message);
        Assert.Equal(before, TestDevice.Cpu.LiveBytes);
        Assert.False(model.Parameters.IsMaterialized);
    }

    [Fact]
    public void A_uint8_npy_whose_floats_would_pass_the_cap_is_refused_before_it_is_read()
    {
        // 300 million bytes on disk (sparse: nothing is written) but 1.2 GB as floats.
        string path = _dir.File("train.npy");
        var header = Npy.Encode("|u1", [1, 300_000_000], ReadOnlySpan<double>.Empty); // no values given: the header alone
        using (var f = File.Create(path))
        {
            f.Write(header);
            f.SetLength(header.Length + 300_000_000L);
        }
        var e = Assert.Throws<IlgpuAeException>(() => Npy.LoadImages(path, null, "big"));
        Assert.Contains("1 GiB", e.Message);
        Assert.Contains("float32", e.Message);
    }

    [Fact]
    public void Npy_images_decode_straight_to_the_same_floats_as_a_double_widening_would()
    {
        var bytes = Enumerable.Range(0, 6 * 7).Select(i => (double)(i * 6 % 256)).ToArray();
        string path = _dir.File("u8.npy");
        File.WriteAllBytes(path, Npy.Encode("|u1", [6, 7], bytes));
        var d = Npy.LoadImages(path, null, "u8");
        Assert.Equal(bytes.Select(v => (float)(v * (1.0 / 255))), d.Images);
    }
}
