using System.Diagnostics;
using System.Text.Json;
using IlgpuAe.Checkpoints;
using IlgpuAe.Cli;
using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Training;
using Xunit;

namespace IlgpuAe.Tests.Library;

/// <summary>`ilgpu-ae eval` of a model of your own: through the catalog, with the assembly that registers it.</summary>
public class ModelCatalogCliTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-catalog-cli-{Guid.NewGuid():N}");

    public ModelCatalogCliTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, true);

    string SavedModel(out double testLoss)
    {
        var data = DataSources.Load(null);
        using var model = new CodePenaltyAe(TestDevice.Cpu, new AutoencoderOptions { Hidden = [16], Code = 4 }, seed: 2);
        using var adam = new Adam(3e-3);
        using var trainer = new Trainer<float>(model, adam, batch: 128, seed: 2);
        trainer.Run(data.Train.Slice(0, 256), data.Test.Slice(0, 128), epochs: 1);
        testLoss = Trainer<float>.Evaluate(model, data.Test, 128).Loss;
        string path = Path.Combine(_dir, "code-penalty.safetensors");
        ModelFile.Save(model, path, new Dictionary<string, string> { ["batch"] = "128" });
        return path;
    }

    [Fact]
    public void Eval_rebuilds_a_registered_kind_from_the_assembly_that_registers_it_in_a_fresh_process()
    {
        string path = SavedModel(out double expected);
        string cli = Path.Combine(AppContext.BaseDirectory, "ilgpu-ae.dll");
        string tests = typeof(ModelCatalogCliTests).Assembly.Location;
        using var process = Process.Start(new ProcessStartInfo("dotnet",
            [cli, "eval", "--model-file", path, "--assembly", tests, "--backend", "cpu", "--json"])
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string stdout = process.StandardOutput.ReadToEnd(), stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, stderr);
        var json = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("code-penalty-ae", json.GetProperty("model").GetString());
        Assert.True(json.GetProperty("terms").TryGetProperty("code_l2", out _));
        Assert.Equal(expected, json.GetProperty("test_loss").GetDouble());
    }

    [Fact]
    public void Eval_of_a_kind_nobody_registered_is_one_error_naming_it()
    {
        string path = SavedModel(out _);
        var file = SafeTensors.Read(path);
        var metadata = file.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        metadata["model"] = "nobodys-model";
        string orphan = Path.Combine(_dir, "orphan.safetensors");
        SafeTensors.Write(orphan, metadata, file.Tensors);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(1, App.Run(["eval", "--model-file", orphan, "--backend", "cpu"], stdout, stderr));
        Assert.StartsWith("error: unknown model kind 'nobodys-model'", stderr.ToString());
        Assert.Contains("ModelCatalog.Register", stderr.ToString());
        Assert.Equal(2, App.Run(["eval", "--model-file", orphan, "--assembly", Path.Combine(_dir, "missing.dll")], stdout, stderr));
    }
}
