using System.Diagnostics;

namespace IlgpuAe.Tests.Packaging;

/// <summary>
/// Runs `dotnet ...` as a user's shell would, in its own NuGet cache, with no build server or node left behind
/// (the suite never leaves processes running) and without the MSBuild variables of the `dotnet test` around us.
/// </summary>
sealed class DotnetProcess(string nugetPackages)
{
    public (int Code, string Output) Run(string workingDirectory, TimeSpan timeout, params string[] args) =>
        Start(workingDirectory, timeout, "dotnet", args);

    public (int Code, string Output) Start(string workingDirectory, TimeSpan timeout, string program, params string[] args)
    {
        var info = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) || k == "DOTNET_HOST_PATH").ToList())
            info.Environment.Remove(key);
        info.Environment["NUGET_PACKAGES"] = nugetPackages;
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["UseSharedCompilation"] = "false";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (124, $"{program} {string.Join(" ", args)}: timed out after {timeout.TotalSeconds:F0} s\n{stdout.Result}{stderr.Result}");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
