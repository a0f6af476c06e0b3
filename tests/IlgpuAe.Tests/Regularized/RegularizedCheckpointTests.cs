using IlgpuAe.Checkpoints;
using IlgpuAe.Kernels;
using IlgpuAe.Models;
using IlgpuAe.Ops;
using Xunit;

namespace IlgpuAe.Tests.Regularized;

/// <summary>A checkpoint of each regularised model rebuilds the same kind with the same options and parameters.</summary>
public class RegularizedCheckpointTests
{
    public static TheoryData<string> Kinds() => ["dae", "sparse", "cae"];

    static Model<float> Make(string kind)
    {
        var sizes = new AutoencoderOptions { Features = 20, Hidden = [8], Code = 3, CodeActivation = Activation.Sigmoid };
        return kind switch
        {
            "dae" => new DenoisingAutoencoder<float>(TestDevice.Cpu, new DenoisingOptions { Autoencoder = sizes, Noise = new Corruption(NoiseKind.SaltPepper, 0.15) }, 7),
            "sparse" => new SparseAutoencoder<float>(TestDevice.Cpu, new SparseOptions { Autoencoder = sizes, Sparsity = Sparsity.Kl, Lambda = 0.4, Rho = 0.2 }, 7),
            _ => new ContractiveAutoencoder<float>(TestDevice.Cpu, new ContractiveOptions { Autoencoder = sizes, Lambda = 3, Jacobian = JacobianMethod.Hutchinson, Probes = 5 }, 7),
        };
    }

    [Theory, MemberData(nameof(Kinds))]
    public void A_checkpoint_rebuilds_the_same_model(string kind)
    {
        string path = Path.Combine(Path.GetTempPath(), $"ilgpu-ae-{kind}-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var model = Make(kind);
            ModelFile.Save(model, path);
            using var loaded = ModelFile.Load<float>(TestDevice.Cpu, path);
            Assert.Equal(kind, loaded.Kind);
            Assert.Equal(model.ConfigJson(), loaded.ConfigJson());
            Assert.Equal(model.Parameters.Download(), loaded.Parameters.Download());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
