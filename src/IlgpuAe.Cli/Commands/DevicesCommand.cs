namespace IlgpuAe.Cli.Commands;

/// <summary>`ilgpu-ae devices`: what ILGPU sees and what Auto (or --backend) would pick.</summary>
public static class DevicesCommand
{
    public const string Help = """
        usage: ilgpu-ae devices [--backend auto|cuda|opencl|cpu]

        Lists every device ILGPU sees, marks the one the backend would use, and says in plain
        words why each unusable device cannot be used.
        """;

    public static int Run(string[] argv, TextWriter stdout)
    {
        var args = Args.Parse("devices", argv, ["backend"], []);
        var backend = BackendNames.Parse(args.String("backend", "auto"));
        var reports = Device.List(backend);
        stdout.WriteLine($"{"",2}{"backend",-8} {"device",-40} status");
        foreach (var r in reports)
        {
            string mark = r.Chosen ? "*" : " ";
            string status = r.Usable ? (r.Chosen ? "usable, selected" : "usable") : $"not usable: {r.WhyNot}";
            stdout.WriteLine($"{mark} {Device.BackendName(r.Backend),-8} {r.Name,-40} {status}");
        }
        if (!reports.Any(r => r.Backend == Backend.Cuda))
            stdout.WriteLine("  cuda     (none)                                   no CUDA device or driver found");
        if (!reports.Any(r => r.Backend == Backend.OpenCL))
            stdout.WriteLine("  opencl   (none)                                   no OpenCL platform found (ILGPU loads libOpenCL.so: on Debian, ocl-icd-opencl-dev plus an ICD such as pocl-opencl-icd)");
        if (!reports.Any(r => r.Chosen))
            stdout.WriteLine($"no usable device for backend {Device.BackendName(backend)}");
        return 0;
    }
}
