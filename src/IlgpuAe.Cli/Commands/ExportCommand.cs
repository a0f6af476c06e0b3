using IlgpuAe.Checkpoints;
using IlgpuAe.Onnx;

namespace IlgpuAe.Cli.Commands;

/// <summary>`ilgpu-ae export`: a checkpoint's encoder and decoder as ONNX files (<see cref="OnnxExport"/>).</summary>
public static class ExportCommand
{
    public const string Help = """
        usage: ilgpu-ae export --model-file FILE --out DIR

        Writes DIR/encoder.onnx and DIR/decoder.onnx (float32, opset 17, batch dimension "batch") from a
        model file written by `ilgpu-ae train`: ae/dae/sparse/cae x -> code -> reconstruction; vae x -> mean
        and logvar (or factor, the lower-triangular L of a full posterior), z -> reconstruction (and logvar for
        a learned Gaussian variance); cvae the same with the condition c as a second input of both graphs.
        """;

    public static int Run(string[] argv, TextWriter stdout)
    {
        var args = Args.Parse("export", argv, ["model-file", "out"], []);
        string file = args.String("model-file") ?? throw new UsageException("export: --model-file is required");
        string dir = args.String("out") ?? throw new UsageException("export: --out is required");
        if (!File.Exists(file)) throw new IlgpuAeException($"model file {file} does not exist");
        using var device = Device.Open(Backend.Cpu);
        using var model = ModelFile.Load<float>(device, file);
        var onnx = OnnxExport.Export(model, dir);
        stdout.WriteLine($"{model.Kind}: {Path.Combine(dir, OnnxExport.EncoderFile)} ({string.Join(", ", onnx.EncoderInputs)} -> {string.Join(", ", onnx.EncoderOutputs)}), " +
            $"{Path.Combine(dir, OnnxExport.DecoderFile)} ({string.Join(", ", onnx.DecoderInputs)} -> {string.Join(", ", onnx.DecoderOutputs)})");
        return 0;
    }
}
