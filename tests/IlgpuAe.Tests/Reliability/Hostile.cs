using System.Diagnostics;
using IlgpuAe.Checkpoints;
using IlgpuAe.Cli;
using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Optim;
using IlgpuAe.Tests.Data;
using IlgpuAe.Training;

namespace IlgpuAe.Tests.Reliability;

/// <summary>What the reliability tests share: the command line in-process, tiny data, real checkpoints, special files.</summary>
public static class Hostile
{
    public static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        return (App.Run(args, stdout, stderr), stdout.ToString(), stderr.ToString());
    }

    /// <summary>A data folder of .npy arrays: 128 training and 64 test images of 28x28 from the embedded set.</summary>
    public static string TinyData(TempDirectory dir)
    {
        string data = dir.File("data");
        Directory.CreateDirectory(data);
        var split = FashionMnist.LoadEmbedded();
        void Write(string name, Dataset d, int n) => File.WriteAllBytes(Path.Combine(data, name),
            Npy.Encode("<f4", [n, 28, 28], d.Images.AsSpan(0, n * 784).ToArray().Select(v => (double)v).ToArray()));
        Write("train.npy", split.Train, 128);
        Write("test.npy", split.Test, 64);
        return data;
    }

    /// <summary>The options of a quick AE run on <see cref="TinyData"/>.</summary>
    public static string[] QuickTrain(string data, string outDir, string model = "ae") =>
        ["train", "--model", model, "--data", data, "--batch", "32", "--hidden", "16", model == "ae" ? "--code" : "--latent", "4",
         "--backend", "cpu", "--quiet", "--out", outDir];

    /// <summary>A run checkpoint of a small AE after <paramref name="steps"/> real Adam steps, as the trainer writes it.</summary>
    public static string RealCheckpoint(string path, int steps = 3)
    {
        var data = FashionMnist.LoadEmbedded();
        using var model = new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions { Hidden = [24], Code = 5 }, seed: 3);
        using var adam = new Adam(1e-3);
        using var trainer = new Trainer<float>(model, adam, 32, seed: 3, new TrainerOptions { CheckpointEvery = steps });
        using var stop = new CancellationTokenSource();
        trainer.Run(data.Train.Slice(0, 256), data.Test.Slice(0, 32), 1,
            onBatch: (done, _) => { if (done == steps) stop.Cancel(); },
            onCheckpoint: s => RunCheckpoint.Save(path, model, adam, s), cancel: stop.Token);
        return path;
    }

    /// <summary>Rewrites a safetensors file with changed metadata through the engine's own writer (so its checksums are valid again).</summary>
    public static void EditMetadata(string path, Action<Dictionary<string, string>> edit)
    {
        var file = SafeTensors.Read(path);
        var metadata = new Dictionary<string, string>(file.Metadata);
        edit(metadata);
        SafeTensors.Write(path, metadata, file.Tensors);
    }

    /// <summary>A FIFO at <paramref name="path"/> (mkfifo); opening it for reading would block until a writer comes.</summary>
    public static void MakeFifo(string path)
    {
        using var p = Process.Start(new ProcessStartInfo("mkfifo", [path]) { RedirectStandardError = true })!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException("mkfifo failed: " + p.StandardError.ReadToEnd());
    }

    /// <summary>Runs <paramref name="action"/>, failing instead of hanging when it does not finish within 20 s.</summary>
    public static T WithinSeconds<T>(Func<T> action)
    {
        var task = Task.Run(action);
        if (!task.Wait(TimeSpan.FromSeconds(20))) throw new TimeoutException("the call blocked for 20 s");
        return task.Result;
    }
}
