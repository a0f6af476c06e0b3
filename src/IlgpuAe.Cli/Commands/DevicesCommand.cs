namespace IlgpuAe.Cli.Commands;

/// <summary>`ilgpu-ae devices`: what ILGPU sees and what Auto (or --backend) would pick.</summary>
public sealed class DevicesCommand : CliCommand
{
    readonly CliOption<string?> _backend = Opt.Text("backend", "the backend whose choice is marked", "auto|cuda|opencl|cpu", "auto");

    public override string Name => "devices";

    public override string Description => "list the devices ILGPU sees, which one would be used, and why others are not usable";

    protected override IEnumerable<ICliOption> Options => [_backend];

    static readonly RowTable.Column[] Columns = [new("", 1), new("backend", 8), new("device", 40), new("status", 0)];

    public override int Run(IReadOnlyList<string> argv, Io io) => Parse(Declare(argv), argv, io, args =>
    {
        var backend = BackendNames.Parse(args.Get(_backend)!);
        var reports = Device.List(backend);
        RowTable.Write(io, Columns, row =>
        {
            foreach (var r in reports)
            {
                string status = r.Usable ? (r.Chosen ? "usable, selected" : "usable") : $"not usable: {r.WhyNot}";
                row([r.Chosen ? "*" : "", Device.BackendName(r.Backend), r.Name, status]);
            }
            if (!reports.Any(r => r.Backend == Backend.Cuda))
                row(["", "cuda", "(none)", "no CUDA device or driver found"]);
            if (!reports.Any(r => r.Backend == Backend.OpenCL))
                row(["", "opencl", "(none)", "no OpenCL platform found (ILGPU loads libOpenCL.so: on Debian, ocl-icd-opencl-dev plus an ICD such as pocl-opencl-icd)"]);
        });
        if (!reports.Any(r => r.Chosen))
            io.Out.WriteLine($"no usable device for backend {Device.BackendName(backend)}");
        return 0;
    });
}
