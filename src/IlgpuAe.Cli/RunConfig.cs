using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace IlgpuAe.Cli;

/// <summary>
/// `train --config FILE.json`: every option of a run as one JSON object, keyed by the option's name
/// without the dashes ({"model": "vae", "epochs": 5, "hidden": [400], "keep-last-batch": true}).
/// Its values become command-line tokens placed before the command line's own, so an option given on
/// the command line overrides the file. Each run writes the values it used to DIR/config.json.
/// </summary>
public sealed class RunConfig
{
    public const string FileName = "config.json";

    /// <summary>Keys a config file may not hold: they say where a run comes from, not what it is.</summary>
    static readonly string[] NotInFile = ["config", "resume"];

    readonly List<KeyValuePair<string, JsonElement>> _values;

    RunConfig(string path, List<KeyValuePair<string, JsonElement>> values)
    {
        Path = path;
        _values = values;
    }

    public string Path { get; }

    public IEnumerable<string> Keys => _values.Select(kv => kv.Key);

    /// <summary>Reads FILE: a file that cannot be read fails (exit 1); one that is not a JSON object is a bad command line.</summary>
    public static RunConfig Load(string path)
    {
        if (!System.IO.Path.Exists(path)) throw new IlgpuAeException($"config file {path} does not exist");
        IlgpuAe.Files.RegularFile.Check(path, "config file");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new UsageException($"{path} is not valid JSON: {e.Message}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new UsageException($"{path} must hold one JSON object of options, such as {{\"model\": \"vae\", \"epochs\": 5}}");
            var values = new List<KeyValuePair<string, JsonElement>>();
            foreach (var p in document.RootElement.EnumerateObject())
            {
                if (values.Any(kv => kv.Key == p.Name)) throw new UsageException($"{path}: key \"{p.Name}\" appears twice");
                values.Add(new(p.Name, p.Value.Clone()));
            }
            return new RunConfig(path, values);
        }
    }

    /// <summary>The value of a text key (the model kind, read before the options that depend on it), or null.</summary>
    public string? Text(string key)
    {
        foreach (var (k, v) in _values)
            if (k == key)
                return v.ValueKind == JsonValueKind.String ? v.GetString() : throw new UsageException($"{Path}: \"{key}\" must be a string, got {v.GetRawText()}");
        return null;
    }

    /// <summary>
    /// The file as command-line tokens for <paramref name="command"/>: every key must be one of its
    /// options and every value of the option's JSON kind; <paramref name="hint"/> may say whose option an unknown key is.
    /// </summary>
    public List<string> Tokens(Command command, Func<string, string?>? hint = null)
    {
        var options = CommandLine.OptionsOf(command).ToDictionary(o => o.Key);
        var tokens = new List<string>();
        foreach (var (key, value) in _values)
        {
            if (NotInFile.Contains(key)) throw new UsageException($"{Path}: \"{key}\" cannot be set in a config file");
            if (!options.TryGetValue(key, out var option))
            {
                var near = CommandLine.Suggest(key, options.Keys.Where(k => !NotInFile.Contains(k)));
                string more = hint?.Invoke(key) ?? (near.Count > 0 ? $"did you mean {string.Join(" or ", near.Select(n => $"\"{n}\""))}?" : "`ilgpu-ae train --help` lists the options");
                throw new UsageException($"{Path}: unknown key \"{key}\"; {more}");
            }
            string? token = Token(option.Kind, value);
            if (token is null) throw new UsageException($"{Path}: \"{key}\" must be {Expected(option.Kind)}, got {value.GetRawText()}");
            tokens.Add("--" + key);
            tokens.Add(token);
        }
        return tokens;
    }

    static string? Token(ValueKind kind, JsonElement v) => kind switch
    {
        ValueKind.Integer when v.ValueKind == JsonValueKind.Number && (v.TryGetInt64(out _) || v.TryGetUInt64(out _)) => v.GetRawText(),
        ValueKind.Number when v.ValueKind == JsonValueKind.Number => v.GetRawText(),
        ValueKind.Text when v.ValueKind == JsonValueKind.String => v.GetString(),
        ValueKind.Flag when v.ValueKind is JsonValueKind.True or JsonValueKind.False => v.ValueKind == JsonValueKind.True ? "true" : "false",
        ValueKind.IntegerList when v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out _)) =>
            string.Join(",", v.EnumerateArray().Select(e => e.GetInt32().ToString(CultureInfo.InvariantCulture))),
        _ => null,
    };

    static string Expected(ValueKind kind) => kind switch
    {
        ValueKind.Integer => "an integer",
        ValueKind.Number => "a number",
        ValueKind.Text => "a string",
        ValueKind.Flag => "true or false",
        _ => "an array of integers, such as [400, 200]",
    };

    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>
    /// Writes the options a run used as DIR/config.json; values of an existing file that
    /// <paramref name="used"/> does not name (a resumed run reads only what it may change) are kept.
    /// </summary>
    public static void Write(string dir, IEnumerable<KeyValuePair<string, object>> used, bool keepExisting)
    {
        string path = System.IO.Path.Combine(dir, FileName);
        var values = new List<KeyValuePair<string, object>>();
        if (keepExisting)
        {
            if (!File.Exists(path)) return; // a run from before config.json: nothing to keep up to date
            values.AddRange(Load(path)._values.Select(kv => new KeyValuePair<string, object>(kv.Key, kv.Value)));
        }
        foreach (var (key, value) in used)
        {
            int i = values.FindIndex(kv => kv.Key == key);
            if (i >= 0) values[i] = new(key, value);
            else values.Add(new(key, value));
        }
        var json = JsonSerializer.Serialize(values.ToDictionary(kv => kv.Key, kv => kv.Value), Indented);
        string temp = path + ".tmp";
        File.WriteAllText(temp, json + "\n");
        File.Move(temp, path, overwrite: true);
    }
}
