using System.Text.Json;
using IlgpuAe.Cli;
using Xunit;
using static IlgpuAe.Tests.Support.CliHarness;

namespace IlgpuAe.Tests.Cli;

/// <summary>`train --config FILE.json` and the DIR/config.json every run writes.</summary>
public class ConfigCliTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-config-{Guid.NewGuid():N}");

    public ConfigCliTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    string Config(string json)
    {
        string path = Path.Combine(_dir, $"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    static Dictionary<string, JsonElement> Written(string dir) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(Path.Combine(dir, "config.json")))!;

    [Fact]
    public void A_runs_config_json_repeats_it_bit_for_bit()
    {
        string first = Path.Combine(_dir, "first"), again = Path.Combine(_dir, "again");
        var r = Run("train", "--model", "dae", "--noise", "mask", "--p", "0.3", "--epochs", "1", "--batch", "64", "--limit", "512",
            "--hidden", "32", "--code", "6", "--lr", "2e-3", "--optimizer", "adamw", "--keep-last-batch", "--seed", "7", "--backend", "cpu",
            "--quiet", "--out", first);
        Assert.True(r.Code == 0, r.Err);
        var used = Written(first);
        Assert.Equal("dae", used["model"].GetString());
        Assert.Equal(0.002, used["lr"].GetDouble());
        Assert.Equal(0.01, used["weight-decay"].GetDouble()); // adamw's default, recorded as used
        Assert.Equal("cpu", used["backend"].GetString());
        Assert.False(used.ContainsKey("sigma")); // gaussian noise's level does not apply to mask noise

        r = Run("train", "--config", Path.Combine(first, "config.json"), "--out", again, "--quiet");
        Assert.True(r.Code == 0, r.Err);
        Assert.Single(Metrics(first));
        Assert.Equal(Metrics(first), Metrics(again));
        Assert.Equal(File.ReadAllBytes(Path.Combine(first, "model.safetensors")), File.ReadAllBytes(Path.Combine(again, "model.safetensors")));
        var repeated = Written(again);
        Assert.Equal(again, repeated["out"].GetString());
        repeated.Remove("out");
        used.Remove("out");
        Assert.Equal(JsonSerializer.Serialize(used), JsonSerializer.Serialize(repeated));
    }

    [Theory]
    [InlineData("vae", "--prior", "gmm", "--components", "3", "--optimizer", "sgd", "--momentum", "0.5")]
    [InlineData("vae", "--decoder", "gaussian", "--decoder-logvar", "-1")]
    [InlineData("cvae", "--condition", "masked", "--block", "9")]
    [InlineData("sparse", "--sparsity", "kl", "--rho", "0.1")]
    [InlineData("sparse", "--lambda", "0.5")]
    [InlineData("cae", "--jacobian", "hutchinson", "--probes", "2", "--hidden", "16")]
    [InlineData("dae", "--sigma", "0.2", "--clip-grad", "5")]
    public void Every_models_config_json_reads_back_as_the_same_run(string model, params string[] options)
    {
        string first = Path.Combine(_dir, "first"), again = Path.Combine(_dir, "again");
        var r = Run(["train", "--model", model, "--epochs", "0", "--batch", "64", "--limit", "256", "--backend", "cpu", "--quiet", "--out", first, .. options]);
        Assert.True(r.Code == 0, r.Err);
        r = Run("train", "--config", Path.Combine(first, "config.json"), "--out", again);
        Assert.True(r.Code == 0, r.Err);
        var (a, b) = (Written(first), Written(again));
        a.Remove("out");
        b.Remove("out");
        Assert.Equal(JsonSerializer.Serialize(a), JsonSerializer.Serialize(b));
        for (int i = 0; i < options.Length; i += 2)
            Assert.True(a.ContainsKey(options[i][2..]), $"config.json lacks the given {options[i]}");
    }

    [Fact]
    public void Options_on_the_command_line_override_the_config_file()
    {
        string config = Config("""{"model": "ae", "epochs": 3, "hidden": [16], "code": 4, "limit": 256, "batch": 64, "backend": "cpu"}""");
        string dir = Path.Combine(_dir, "run");
        var r = Run("train", "--config", config, "--epochs", "0", "--code", "5", "--quiet", "--out", dir);
        Assert.True(r.Code == 0, r.Err);
        var used = Written(dir);
        Assert.Equal(0, used["epochs"].GetInt32());
        Assert.Equal(5, used["code"].GetInt32());
        Assert.Equal(16, used["hidden"][0].GetInt32());
    }

    [Fact]
    public void An_unknown_key_is_named_with_the_nearest_option() =>
        OneClearError(Run("train", "--config", Config("""{"epoch": 3}""")), "unknown key \"epoch\"; did you mean \"epochs\"?");

    [Fact]
    public void A_key_of_another_model_says_whose_it_is() =>
        OneClearError(Run("train", "--config", Config("""{"model": "vae", "condition": "masked"}""")), "it is an option of --model cvae");

    [Theory]
    [InlineData("""{"epochs": "three"}""", "\"epochs\" must be an integer, got \"three\"")]
    [InlineData("""{"lr": [1]}""", "\"lr\" must be a number")]
    [InlineData("""{"hidden": "400"}""", "\"hidden\" must be an array of integers")]
    [InlineData("""{"keep-last-batch": 1}""", "\"keep-last-batch\" must be true or false")]
    [InlineData("""{"model": 3}""", "\"model\" must be a string")]
    public void A_value_of_the_wrong_type_names_the_key(string json, string mentions) =>
        OneClearError(Run("train", "--config", Config(json)), mentions);

    [Fact]
    public void A_value_out_of_range_in_the_file_says_it_came_from_the_file()
    {
        string config = Config("""{"epochs": -1}""");
        OneClearError(Run("train", "--config", config), $"--epochs must be between 0 and 100000, got -1 (in {config})");
    }

    [Fact]
    public void A_file_that_is_not_one_json_object_is_refused()
    {
        OneClearError(Run("train", "--config", Config("[1, 2]")), "must hold one JSON object");
        OneClearError(Run("train", "--config", Config("{\"epochs\": ")), "is not valid JSON");
        OneClearError(Run("train", "--config", Config("""{"resume": "runs/ae"}""")), "\"resume\" cannot be set in a config file");
    }

    [Fact]
    public void A_missing_config_file_is_one_clear_error()
    {
        var r = Run("train", "--config", Path.Combine(_dir, "none.json"));
        Assert.Equal(1, r.Code);
        Assert.Contains("config file", r.Err);
        Assert.Contains("does not exist", r.Err);
    }

    [Fact]
    public void A_resumed_run_keeps_its_config_json_up_to_date()
    {
        string dir = Path.Combine(_dir, "run");
        Assert.Equal(0, Run("train", "--model", "ae", "--hidden", "16", "--code", "4", "--epochs", "1", "--batch", "64", "--limit", "256",
            "--backend", "cpu", "--quiet", "--out", dir).Code);
        var r = Run("train", "--resume", dir, "--epochs", "2", "--quiet");
        Assert.True(r.Code == 0, r.Err);
        var used = Written(dir);
        Assert.Equal(2, used["epochs"].GetInt32());
        Assert.Equal(16, used["hidden"][0].GetInt32());
        // A resumed run is its checkpoint's run: a config file cannot change it.
        OneClearError(Run("train", "--resume", dir, "--config", Path.Combine(dir, "config.json")), "unknown option --config");
    }
}
