using IlgpuAe.Checkpoints;
using IlgpuAe.Onnx;

namespace IlgpuAe.Cli.Commands;

/// <summary>`ilgpu-ae export`: a model file's encoder and decoder as ONNX files (<see cref="OnnxExport"/>).</summary>
public sealed class ExportCommand : CliCommand
{
    readonly CliOption<string?> _modelFile = Opt.Text("model-file", "the model.safetensors written by `ilgpu-ae train` (required)", "FILE");
    readonly CliOption<string?> _out = Opt.Text("out", "directory for encoder.onnx and decoder.onnx (required)", "DIR");

    public override string Name => "export";

    public override string Description => "write a model file's encoder and decoder as ONNX graphs";

    public override string Remarks => """
        Writes DIR/encoder.onnx and DIR/decoder.onnx (float32, opset 17, batch dimension "batch"):
        ae/dae/sparse/cae x -> code -> reconstruction; vae x -> mean and logvar (or factor, the
        lower-triangular L of a full posterior), z -> reconstruction (and logvar for a learned Gaussian
        variance); cvae the same with the condition c as a second input of both graphs.
        """;

    protected override IEnumerable<ICliOption> Options => [_modelFile, _out];

    public override int Run(IReadOnlyList<string> argv, Io io) => Parse(Declare(argv), argv, io, args =>
    {
        string file = args.Get(_modelFile) ?? throw new UsageException("export: --model-file is required");
        string dir = args.Get(_out) ?? throw new UsageException("export: --out is required");
        if (!File.Exists(file)) throw new IlgpuAeException($"model file {file} does not exist");
        using var device = Device.Open(Backend.Cpu);
        using var model = ModelFile.Load<float>(device, file);
        var onnx = OnnxExport.Export(model, dir);
        io.Out.WriteLine($"{model.Kind}: {Path.Combine(dir, OnnxExport.EncoderFile)} ({string.Join(", ", onnx.EncoderInputs)} -> {string.Join(", ", onnx.EncoderOutputs)}), " +
            $"{Path.Combine(dir, OnnxExport.DecoderFile)} ({string.Join(", ", onnx.DecoderInputs)} -> {string.Join(", ", onnx.DecoderOutputs)})");
        return 0;
    });
}
