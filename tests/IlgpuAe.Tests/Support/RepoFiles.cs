namespace IlgpuAe.Tests.Support;

/// <summary>Files of the source tree the tests run from (the README, this test project's sources).</summary>
static class RepoFiles
{
    /// <summary>The folder holding IlgpuAe.sln, found upwards from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "IlgpuAe.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no IlgpuAe.sln above {AppContext.BaseDirectory}");
    }

    public static string Read(params string[] relative) => File.ReadAllText(Path.Combine([Root, .. relative]));

    /// <summary>
    /// The lines between "// snippet: NAME" and "// end snippet" in a source file, dedented: what the README shows
    /// under "&lt;!-- snippet: NAME --&gt;".
    /// </summary>
    public static string SourceSnippet(string text, string name)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        int start = Array.FindIndex(lines, l => l.Trim() == $"// snippet: {name}");
        int end = Array.FindIndex(lines, Math.Max(0, start), l => l.Trim() == "// end snippet");
        if (start < 0 || end < 0) throw new InvalidOperationException($"no snippet '{name}' in the source");
        var body = lines[(start + 1)..end];
        int indent = body.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return string.Join("\n", body.Select(l => l.Length >= indent ? l[indent..] : l.Trim()));
    }

    /// <summary>The fenced code block after "&lt;!-- snippet: NAME --&gt;" in a Markdown text.</summary>
    public static string MarkdownSnippet(string text, string name)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        int marker = Array.FindIndex(lines, l => l.Trim() == $"<!-- snippet: {name} -->");
        if (marker < 0) throw new InvalidOperationException($"the README has no snippet '{name}'");
        int open = Array.FindIndex(lines, marker, l => l.StartsWith("```"));
        int close = Array.FindIndex(lines, open + 1, l => l.StartsWith("```"));
        return string.Join("\n", lines[(open + 1)..close]);
    }
}
