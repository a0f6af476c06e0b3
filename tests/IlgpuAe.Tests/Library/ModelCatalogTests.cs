using IlgpuAe.Checkpoints;
using IlgpuAe.Data;
using IlgpuAe.Graph;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Training;
using Xunit;

namespace IlgpuAe.Tests.Library;

/// <summary>The README's custom objective, with the kind of its own that lets it round-trip.</summary>
public sealed class CodePenaltyAe(Device d, AutoencoderOptions o, ulong seed = 1) : Autoencoder<float>(d, o, seed)
{
    public override string Kind => "code-penalty-ae";

    protected override void Regularize(GraphBuilder<float> g, Node<float> x, Node<float> h) =>
        g.Loss("code_l2", g.SumOfSquares(h), weight: 0.01 / g.Batch);
}

/// <summary>Models of your own survive a save and a load as themselves, or say clearly why they cannot.</summary>
public class ModelCatalogTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-catalog-{Guid.NewGuid():N}");
    static readonly DataSplit Data = FashionMnist.LoadEmbedded();
    static readonly AutoencoderOptions Small = new() { Hidden = [32], Code = 6 };

    public ModelCatalogTests()
    {
        Directory.CreateDirectory(_dir);
        ModelCatalog.Register<float, AutoencoderOptions>("code-penalty-ae", (device, options, seed) => new CodePenaltyAe(device, options, seed));
    }

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>A subclass that forgets to declare its kind.</summary>
    sealed class ForgetfulAe(Device d, AutoencoderOptions o) : Autoencoder<float>(d, o)
    {
        protected override void Regularize(GraphBuilder<float> g, Node<float> x, Node<float> h) =>
            g.Loss("code_l2", g.SumOfSquares(h), weight: 1.0 / g.Batch);
    }

    sealed class ImpostorAe(Device d, AutoencoderOptions o) : Autoencoder<float>(d, o)
    {
        public override string Kind => "vae";
    }

    [Fact]
    public void The_readme_code_penalty_model_saved_and_loaded_gives_its_own_test_loss_term_for_term()
    {
        var test = Data.Test.Slice(0, 256);
        using var model = new CodePenaltyAe(TestDevice.Cpu, Small, seed: 3);
        using var adam = new Adam(3e-3);
        using var trainer = new Trainer<float>(model, adam, batch: 64, seed: 3);
        trainer.Run(Data.Train.Slice(0, 512), test, epochs: 1);
        var before = Trainer<float>.Evaluate(model, test, 64);
        string path = Path.Combine(_dir, "code-penalty.safetensors");
        ModelFile.Save(model, path);

        using var again = ModelFile.Load<CodePenaltyAe>(TestDevice.Cpu, path);
        var after = Trainer<float>.Evaluate(again, test, 64);
        Assert.Equal(["reconstruction", "code_l2"], after.Terms.Keys);
        Assert.Equal(before.Terms, after.Terms);
        Assert.Equal(before.Loss, after.Loss);
        Assert.True(after.Terms["code_l2"] > 0);
    }

    [Fact]
    public void A_subclass_without_a_kind_of_its_own_is_not_saved_as_its_parent()
    {
        using var model = new ForgetfulAe(TestDevice.Cpu, Small);
        string path = Path.Combine(_dir, "forgetful.safetensors");
        var e = Assert.Throws<IlgpuAeException>(() => ModelFile.Save(model, path));
        Assert.Contains("ForgetfulAe does not declare a model kind of its own", e.Message);
        Assert.Contains("'ae'", e.Message);
        Assert.Contains("override Kind", e.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_class_claiming_a_built_in_kind_is_not_saved()
    {
        using var model = new ImpostorAe(TestDevice.Cpu, Small);
        var e = Assert.Throws<IlgpuAeException>(() => ModelFile.Save(model, Path.Combine(_dir, "impostor.safetensors")));
        Assert.Contains("declares the built-in model kind 'vae'", e.Message);
    }

    [Fact]
    public void A_file_of_an_unregistered_kind_names_the_kind_and_how_to_register_it()
    {
        string path = Path.Combine(_dir, "orphan.safetensors");
        using (var model = new CodePenaltyAe(TestDevice.Cpu, Small)) ModelFile.Save(model, path);
        var file = SafeTensors.Read(path);
        var metadata = file.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        metadata["model"] = "never-registered";
        string orphan = Path.Combine(_dir, "never.safetensors");
        SafeTensors.Write(orphan, metadata, file.Tensors);

        var e = Assert.Throws<IlgpuAeException>(() => ModelFile.Load<float>(TestDevice.Cpu, orphan));
        Assert.Contains("unknown model kind 'never-registered'", e.Message);
        Assert.Contains("ModelCatalog.Register<float, TOptions>(\"never-registered\"", e.Message);
        // Registered for float only: loading in double says so.
        var d = Assert.Throws<IlgpuAeException>(() => ModelFile.Load<double>(TestDevice.Cpu, path));
        Assert.Contains("registered for float models, not double", d.Message);
    }

    [Fact]
    public void Typed_loads_give_the_model_class_or_one_clear_error()
    {
        string path = Path.Combine(_dir, "vae.safetensors");
        using (var vae = new Vae<float>(TestDevice.Cpu, new VaeOptions { Hidden = [8], Latent = 2 })) ModelFile.Save(vae, path);
        using var typed = ModelFile.Load<Vae<float>>(TestDevice.Cpu, path);
        Assert.Equal(2, typed.Latent);
        using var wide = ModelFile.Load<Vae<double>>(TestDevice.Cpu, path);
        Assert.IsType<Vae<double>>(wide);
        var e = Assert.Throws<IlgpuAeException>(() => ModelFile.Load<Autoencoder<float>>(TestDevice.Cpu, path));
        Assert.Contains("holds a 'vae' model", e.Message);
    }

    [Fact]
    public void Built_in_kinds_and_blank_kinds_cannot_be_registered()
    {
        Assert.Contains("built-in", Assert.Throws<IlgpuAeException>(() =>
            ModelCatalog.Register<float, AutoencoderOptions>("ae", (d, o, s) => new CodePenaltyAe(d, o, s))).Message);
        Assert.Contains("without spaces", Assert.Throws<IlgpuAeException>(() =>
            ModelCatalog.Register<float, AutoencoderOptions>("my model", (d, o, s) => new CodePenaltyAe(d, o, s))).Message);
        Assert.Contains("code-penalty-ae", ModelCatalog.Kinds);
    }
}
