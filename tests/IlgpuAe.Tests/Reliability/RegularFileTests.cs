using IlgpuAe.Checkpoints;
using IlgpuAe.Data;
using IlgpuAe.Tests.Data;
using IlgpuAe.Training;
using Xunit;

namespace IlgpuAe.Tests.Reliability;

/// <summary>Only regular files are read: a FIFO, a device or a directory is one clear error at once, never a hang.</summary>
public class RegularFileTests : IDisposable
{
    readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Puts a special file of <paramref name="kind"/> at <paramref name="path"/>: a FIFO, a link to /dev/zero, or a directory.</summary>
    static void Make(string kind, string path)
    {
        switch (kind)
        {
            case "fifo": Hostile.MakeFifo(path); break;
            case "dev-zero-link": File.CreateSymbolicLink(path, "/dev/zero"); break;
            default: Directory.CreateDirectory(path); break;
        }
    }

    static string Says(string kind) => kind switch { "fifo" => "FIFO", "dev-zero-link" => "character device", _ => "directory" };

    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (var loader in new[] { "idx", "idx.gz", "npy", "model-file", "checkpoint" })
            foreach (var kind in new[] { "fifo", "dev-zero-link", "directory" })
                cases.Add(loader, kind);
        return cases;
    }

    [SkippableTheory, MemberData(nameof(Cases))]
    public void Each_loader_refuses_a_special_file_at_once(string loader, string kind)
    {
        Skip.If(OperatingSystem.IsWindows(), "FIFOs and /dev/zero are Unix files");
        string path = _dir.File(loader switch { "idx.gz" => "train-images-idx3-ubyte.gz", "npy" => "train.npy", _ => loader + ".bin" });
        Make(kind, path);
        Action read = loader switch
        {
            "idx" or "idx.gz" => () => Idx.Read(path),
            "npy" => () => Npy.LoadImages(path, null, "x"),
            "model-file" => () => ModelFile.Load<float>(TestDevice.Cpu, path).Dispose(),
            _ => () => RunCheckpoint.Load<float>(TestDevice.Cpu, path).Model.Dispose(),
        };
        var e = Hostile.WithinSeconds(() => Record.Exception(read));
        var error = Assert.IsType<IlgpuAeException>(e);
        Assert.Contains(path, error.Message);
        Assert.Contains(Says(kind), error.Message);
        Assert.Contains("not a regular file", error.Message);
    }

    [SkippableFact]
    public void A_train_npy_linked_to_dev_zero_or_a_fifo_model_file_is_one_clear_cli_error()
    {
        Skip.If(OperatingSystem.IsWindows(), "FIFOs and /dev/zero are Unix files");
        string data = Hostile.TinyData(_dir);
        File.Delete(Path.Combine(data, "train.npy"));
        File.CreateSymbolicLink(Path.Combine(data, "train.npy"), "/dev/zero");
        var train = Hostile.WithinSeconds(() => Hostile.Cli([.. Hostile.QuickTrain(data, _dir.File("run")), "--epochs", "1"]));
        Assert.Equal(1, train.Code);
        Assert.Contains("character device, not a regular file", train.Err);
        File.Delete(Path.Combine(data, "train.npy"));
        Hostile.TinyData(_dir); // good data again, so that eval gets as far as its model file
        string fifo = _dir.File("model.safetensors");
        Hostile.MakeFifo(fifo);
        var eval = Hostile.WithinSeconds(() => Hostile.Cli("eval", "--model-file", fifo, "--data", data, "--backend", "cpu"));
        Assert.Equal(1, eval.Code);
        Assert.Contains("FIFO", eval.Err);
    }

    [SkippableFact]
    public void A_fifo_given_as_the_run_configuration_is_one_clear_error_at_once()
    {
        Skip.If(OperatingSystem.IsWindows(), "FIFOs are Unix files");
        string fifo = _dir.File("config.json");
        Hostile.MakeFifo(fifo);
        var r = Hostile.WithinSeconds(() => Hostile.Cli("train", "--config", fifo, "--backend", "cpu", "--quiet"));
        Assert.NotEqual(0, r.Code);
        Assert.Contains("FIFO (named pipe), not a regular file", r.Err);
    }

    [SkippableFact]
    public void A_link_to_a_regular_file_is_followed_and_read()
    {
        Skip.If(OperatingSystem.IsWindows(), "symbolic links need privileges on Windows");
        string real = _dir.File("real"), link = _dir.File("link");
        File.WriteAllBytes(real, IdxBytes.Ubyte(2, 3, 3));
        File.CreateSymbolicLink(link, real);
        Assert.Equal([2, 3, 3], Idx.Read(link).Shape);
    }
}
