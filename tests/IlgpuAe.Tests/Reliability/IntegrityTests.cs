using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using IlgpuAe.Checkpoints;
using IlgpuAe.Tests.Data;
using IlgpuAe.Training;
using Xunit;

namespace IlgpuAe.Tests.Reliability;

/// <summary>Every safetensors file the engine writes proves its integrity: damage anywhere is refused, never resumed.</summary>
public class IntegrityTests : IDisposable
{
    readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    static (JsonElement Metadata, byte[] Header, byte[] Bytes) Header(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = bytes[8..(8 + n)];
        return (JsonDocument.Parse(header).RootElement.GetProperty("__metadata__").Clone(), header, bytes);
    }

    [Fact]
    public void Every_file_the_engine_writes_records_the_sha256_of_each_tensor_and_of_its_header()
    {
        string path = Hostile.RealCheckpoint(_dir.File("checkpoint.safetensors"));
        var (metadata, header, bytes) = Header(path);
        using var root = JsonDocument.Parse(header);
        var record = JsonSerializer.Deserialize<Dictionary<string, string>>(metadata.GetProperty("sha256.tensors").GetString()!)!;
        int start = 8 + header.Length;
        foreach (var t in root.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__"))
        {
            var offsets = t.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes.AsSpan(start + offsets[0], offsets[1] - offsets[0]))), record[t.Name]);
        }
        // The header's own hash is taken with its value written as 64 zeros (what Python's hashlib can redo).
        string sealedHash = metadata.GetProperty("sha256.header").GetString()!;
        var zeroed = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(header).Replace(sealedHash, new string('0', 64)));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(zeroed)), sealedHash);
        Assert.True(SafeTensors.Read(path).Verified);
    }

    [Fact]
    public void A_checkpoint_whose_second_half_was_zeroed_is_refused_naming_the_file_and_the_damaged_tensors()
    {
        string path = Hostile.RealCheckpoint(_dir.File("checkpoint.safetensors"));
        var bytes = File.ReadAllBytes(path);
        Array.Clear(bytes, bytes.Length / 2, bytes.Length - bytes.Length / 2);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<IlgpuAeException>(() => RunCheckpoint.Load<float>(TestDevice.Cpu, path));
        Assert.Contains(path, e.Message);
        Assert.Contains("integrity", e.Message);
        Assert.Contains("optimizer.", e.Message); // the optimizer state fills the second half
    }

    [Fact]
    public void Zeroed_truncated_or_flipped_bytes_anywhere_in_a_real_checkpoint_are_always_refused()
    {
        string pristine = Hostile.RealCheckpoint(_dir.File("pristine.safetensors"));
        var good = File.ReadAllBytes(pristine);
        var damage = Gen.OneOf(
            from at in Gen.Choose(0, good.Length - 1) from length in Gen.Choose(1, 4096) select ("zero", at, length, 0),
            from at in Gen.Choose(0, good.Length - 1) select ("truncate", at, 0, 0),
            from at in Gen.Choose(0, good.Length - 1) from x in Gen.Choose(1, 255) select ("flip", at, 1, x));
        string path = _dir.File("damaged.safetensors");
        Prop.ForAll(damage.ToArbitrary(), d =>
        {
            var (kind, at, length, xor) = d;
            var bytes = kind == "truncate" ? good[..at] : (byte[])good.Clone();
            if (kind == "zero") Array.Clear(bytes, at, Math.Min(length, bytes.Length - at));
            if (kind == "flip") bytes[at] ^= (byte)xor;
            if (bytes.AsSpan().SequenceEqual(good)) return; // zeroing bytes that were zero damages nothing
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<IlgpuAeException>(() => RunCheckpoint.Load<float>(TestDevice.Cpu, path).Model.Dispose());
            Assert.Contains(path, e.Message);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(150));
    }

    [Fact]
    public void A_file_written_by_another_tool_without_checksums_still_loads_and_is_reported_unverified()
    {
        string engine = Hostile.RealCheckpoint(_dir.File("engine.safetensors"));
        var file = SafeTensors.Read(engine);
        string foreign = _dir.File("foreign.safetensors");
        File.WriteAllBytes(foreign, WithoutChecksums(file));
        using var model = ModelFile.LoadWithFile<float>(TestDevice.Cpu, foreign, out var read);
        Assert.False(read.Verified);
        Assert.False(ModelMetadata.Validate(read, model).Verified);
        Assert.Equal(file.GetFloats(file.Tensors[0].Name), read.GetFloats(read.Tensors[0].Name));
    }

    /// <summary>The same tensors and metadata as Python's safetensors would write them: no checksum record.</summary>
    static byte[] WithoutChecksums(SafeTensorFile file)
    {
        var header = new Dictionary<string, object> { ["__metadata__"] = file.Metadata };
        long offset = 0;
        foreach (var t in file.Tensors)
        {
            header[t.Name] = new { dtype = t.DType.Spelling(), shape = t.Shape, data_offsets = new[] { offset, offset + t.Data.Length } };
            offset += t.Data.Length;
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        var bytes = new List<byte>(BitConverter.GetBytes((ulong)json.Length));
        bytes.AddRange(json);
        foreach (var t in file.Tensors) bytes.AddRange(t.Data);
        return [.. bytes];
    }

    [Fact]
    public void Eval_says_when_a_model_file_is_unverified_and_when_it_is_verified()
    {
        string data = Hostile.TinyData(_dir), run = _dir.File("run");
        Assert.Equal(0, Hostile.Cli([.. Hostile.QuickTrain(data, run), "--epochs", "1"]).Code);
        string model = Path.Combine(run, "model.safetensors");
        var verified = Hostile.Cli("eval", "--model-file", model, "--data", data, "--backend", "cpu", "--json");
        Assert.True(verified.Code == 0, verified.Err);
        Assert.True(JsonDocument.Parse(verified.Out).RootElement.GetProperty("verified").GetBoolean());
        string foreign = _dir.File("foreign.safetensors");
        File.WriteAllBytes(foreign, WithoutChecksums(SafeTensors.Read(model)));
        var r = Hostile.Cli("eval", "--model-file", foreign, "--data", data, "--backend", "cpu");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("unverified", r.Out);
    }

    [Fact]
    public void Train_resume_refuses_a_checkpoint_whose_second_half_was_zeroed_and_leaves_the_folder_alone()
    {
        string data = Hostile.TinyData(_dir), run = _dir.File("run");
        Assert.Equal(0, Hostile.Cli([.. Hostile.QuickTrain(data, run), "--epochs", "1"]).Code);
        string path = Path.Combine(run, RunCheckpoint.FileName);
        var bytes = File.ReadAllBytes(path);
        Array.Clear(bytes, bytes.Length / 2, bytes.Length - bytes.Length / 2);
        File.WriteAllBytes(path, bytes);
        var metrics = File.ReadAllText(Path.Combine(run, "metrics.jsonl"));
        var r = Hostile.Cli("train", "--resume", run, "--epochs", "3", "--quiet");
        Assert.Equal(1, r.Code);
        Assert.Contains(RunCheckpoint.FileName, r.Err);
        Assert.Contains("integrity", r.Err);
        Assert.Equal(metrics, File.ReadAllText(Path.Combine(run, "metrics.jsonl")));
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [SkippableFact]
    public void The_folder_is_flushed_to_disk_after_the_rename()
    {
        Skip.IfNot(File.Exists("/usr/bin/strace"), "strace is not installed, so the system calls cannot be watched");
        string data = Hostile.TinyData(_dir), run = _dir.File("run"), log = _dir.File("strace.log");
        string cli = Path.Combine(AppContext.BaseDirectory, "ilgpu-ae.dll");
        using var p = Process.Start(new ProcessStartInfo("/usr/bin/strace",
            ["-f", "-e", "trace=openat,rename,renameat,renameat2,fsync", "-o", log, "dotnet", cli, .. Hostile.QuickTrain(data, run), "--epochs", "0"])
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        var lines = File.ReadAllLines(log);
        int rename = Array.FindLastIndex(lines, l => l.Contains("rename") && l.Contains("model.safetensors\""));
        Assert.True(rename >= 0, "no rename of model.safetensors was traced");
        string full = Path.GetFullPath(run);
        var open = lines.Skip(rename).Select(l => System.Text.RegularExpressions.Regex.Match(l, $"openat\\(AT_FDCWD, \"{System.Text.RegularExpressions.Regex.Escape(full)}/?\", O_RDONLY[^)]*\\) = (\\d+)"))
            .FirstOrDefault(m => m.Success);
        Assert.True(open is not null, "the folder was not opened after the rename");
        Assert.Contains(lines.Skip(rename), l => l.Contains($"fsync({open!.Groups[1].Value})") && l.Contains("= 0"));
    }
}
