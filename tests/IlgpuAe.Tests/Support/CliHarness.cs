using System.Text.Json;
using IlgpuAe.Cli;
using Xunit;

namespace IlgpuAe.Tests.Support;

/// <summary>The CLI run in-process, as a user's shell would see it: exit code, standard output, standard error.</summary>
public static class CliHarness
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = App.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A bad command line: exit 2 and one <c>error:</c> line that names the mistake.</summary>
    public static void OneClearError((int Code, string Out, string Err) r, string mentions) => OneClearError(r, 2, mentions);

    /// <summary>One <c>error:</c> line naming the mistake, the given exit code, and no stack trace.</summary>
    public static void OneClearError((int Code, string Out, string Err) r, int code, string mentions)
    {
        Assert.Equal(code, r.Code);
        var lines = r.Err.Trim().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(mentions, lines[0]);
        Assert.DoesNotContain("   at ", r.Err);
    }

    /// <summary>The metrics lines of a run without the wall-clock fields, which honestly differ between runs.</summary>
    public static List<string> Metrics(string dir) => File.ReadAllLines(Path.Combine(dir, "metrics.jsonl")).Select(l =>
    {
        var o = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(l)!;
        o.Remove("seconds");
        o.Remove("samples_per_second");
        return JsonSerializer.Serialize(o);
    }).ToList();
}
