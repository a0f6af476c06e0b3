using System.Diagnostics;
using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using IlgpuAe.Tests.Data;
using IlgpuAe.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace IlgpuAe.Tests.Packaging;

/// <summary>
/// The README's "Use it from your own project" recipe, end to end: pack the solution, point a fresh consumer project
/// at the packages (its own NuGet cache, so no older package of the same version can stand in), build and run it, and
/// install the CLI as a dotnet tool.
/// </summary>
public class PackageTests(ITestOutputHelper log)
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(240);
    static readonly string[] Libraries = ["IlgpuAe.Kernels", "IlgpuAe", "IlgpuAe.Testing", "IlgpuAe.Onnx"];

    // The configuration these tests were built in: pack reuses that build (--no-build) instead of compiling again.
    static string Configuration => AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";

    static string MachineCache => Environment.GetEnvironmentVariable("NUGET_PACKAGES")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    const string Consumer = """
        using IlgpuAe;
        using IlgpuAe.Models;
        using IlgpuAe.Onnx;
        using IlgpuAe.Testing;

        using var device = Device.Open(Backend.Cpu);
        using var model = new Autoencoder<double>(device, new AutoencoderOptions { Features = 6, Hidden = [4], Code = 2 });
        var rng = new Random(1);
        var batch = new Batch(Enumerable.Range(0, 18).Select(_ => (float)rng.NextDouble()).ToArray(), new byte[3], 3);
        var report = GradCheck.Model(model, batch).EnsurePassed();
        var onnx = OnnxExport.Export(model, args[0]);
        Console.WriteLine($"{report.Checked} coordinates, {(report.Passed ? "passed" : "failed")}; onnx {string.Join(",", onnx.EncoderOutputs)}");
        """;

    [SkippableFact]
    public void The_packages_build_a_fresh_consumer_project_and_the_cli_installs_as_a_dotnet_tool()
    {
        var clock = Stopwatch.StartNew();
        using var work = new TempDirectory();
        var dotnet = new DotnetProcess(work.File("nuget-packages"));
        string pkgs = work.File("pkgs");

        var pack = dotnet.Run(RepoFiles.Root, Limit, "pack", "IlgpuAe.sln", "-c", Configuration, "--no-build", "-o", pkgs);
        Assert.True(pack.Code == 0, pack.Output);
        log.WriteLine($"pack: {clock.Elapsed.TotalSeconds:F0} s");
        string version = PackedVersion(pkgs, "IlgpuAe");
        var head = dotnet.Start(RepoFiles.Root, Limit, "git", "rev-parse", "HEAD") is var h && h.Code == 0 ? h.Output.Trim() : null;
        var count = dotnet.Start(RepoFiles.Root, Limit, "git", "rev-list", "--count", "HEAD");
        if (count.Code == 0) Assert.Equal($"0.2.{count.Output.Trim()}", version);
        foreach (var id in Libraries.Append("IlgpuAe.Cli"))
        {
            Assert.True(File.Exists(Path.Combine(pkgs, $"{id}.{version}.nupkg")), $"{id} {version} was not packed");
            Assert.True(File.Exists(Path.Combine(pkgs, $"{id}.{version}.snupkg")), $"{id} {version} has no symbol package");
            var nuspec = Nuspec(Path.Combine(pkgs, $"{id}.{version}.nupkg"));
            // SourceLink's repository data: the commit the package was built from.
            if (head is not null) Assert.Equal(head, nuspec.Descendants().Single(e => e.Name.LocalName == "repository").Attribute("commit")?.Value);
        }

        File.WriteAllText(work.File("nuget.config"), NugetConfig(pkgs));
        Directory.CreateDirectory(work.File("consumer"));
        File.WriteAllText(work.File("consumer/consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings><Nullable>enable</Nullable></PropertyGroup>
              <ItemGroup>
                <PackageReference Include="IlgpuAe.Testing" Version="[{version}]" />
                <PackageReference Include="IlgpuAe.Onnx" Version="[{version}]" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(work.File("consumer/Program.cs"), Consumer);
        var build = dotnet.Run(work.File("consumer"), Limit, "build", "-c", "Release");
        Skip.If(build.Code != 0 && build.Output.Contains("NU1301"), $"the NuGet feed cannot be reached, so a fresh restore is impossible: {FirstLine(build.Output, "NU1301")}");
        Assert.True(build.Code == 0, build.Output);
        log.WriteLine($"consumer restore + build: {clock.Elapsed.TotalSeconds:F0} s");
        var run = dotnet.Run(work.File("consumer"), Limit, Path.Combine("bin", "Release", "net10.0", "consumer.dll"), work.File("onnx"));
        Assert.True(run.Code == 0, run.Output);
        Assert.Contains("coordinates, passed; onnx code", run.Output);
        Assert.True(File.Exists(work.File("onnx/encoder.onnx")));

        var install = dotnet.Run(work.Path, Limit, "tool", "install", "IlgpuAe.Cli", "--version", version, "--tool-path", work.File("tools"));
        Assert.True(install.Code == 0, install.Output);
        // The installed command is the one just packed: it reports the package's version.
        var tool = dotnet.Start(work.Path, Limit, work.File("tools/ilgpu-ae"), "--version");
        Assert.True(tool.Code == 0, tool.Output);
        Assert.StartsWith(version, tool.Output.Trim());
        log.WriteLine($"tool install + run: {clock.Elapsed.TotalSeconds:F0} s in all, version {version}");
    }

    [Fact]
    public void Assemblies_carry_the_major_minor_as_assembly_version_and_the_commit_count_as_file_version()
    {
        Assert.Equal(new Version(0, 2, 0, 0), typeof(IlgpuAe.Testing.GradCheck).Assembly.GetName().Version);
        var file = FileVersionInfo.GetVersionInfo(Path.Combine(AppContext.BaseDirectory, "IlgpuAe.dll"));
        var match = Regex.Match(file.FileVersion ?? "", @"^0\.2\.(\d+)\.0$");
        Assert.True(match.Success, $"file version {file.FileVersion}");
        Assert.StartsWith($"0.2.{match.Groups[1].Value}", file.ProductVersion);
    }

    static string PackedVersion(string pkgs, string id)
    {
        var match = Directory.GetFiles(pkgs, $"{id}.*.nupkg").Select(Path.GetFileName)
            .Select(f => Regex.Match(f!, $@"^{Regex.Escape(id)}\.(\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)\.nupkg$")).First(m => m.Success);
        return match.Groups[1].Value;
    }

    static XDocument Nuspec(string nupkg)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        using var stream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec")).Open();
        return XDocument.Load(stream);
    }

    static string FirstLine(string text, string containing) => text.Split('\n').FirstOrDefault(l => l.Contains(containing))?.Trim() ?? "";

    // Our packages only from the folder just packed; everything else from the machine's cache (read as a local feed,
    // so no download is needed where the solution has been restored) or nuget.org.
    static string NugetConfig(string pkgs) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
            <add key="ilgpu-ae-local" value="{pkgs}" />
            <add key="machine-cache" value="{MachineCache}" />
            <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
          </packageSources>
          <packageSourceMapping>
            <packageSource key="ilgpu-ae-local"><package pattern="IlgpuAe" /><package pattern="IlgpuAe.*" /></packageSource>
            <packageSource key="machine-cache"><package pattern="*" /></packageSource>
            <packageSource key="nuget.org"><package pattern="*" /></packageSource>
          </packageSourceMapping>
        </configuration>
        """;
}
