using System.Text;
using IlgpuAe.Models;

namespace IlgpuAe.Cli.Recipes;

/// <summary>Puts the command line's flag in place of the options property a library error names ("VaeOptions.Latent" → "--latent").</summary>
public static class OptionFlags
{
    // Properties whose flag is not their kebab-case name; those that come from the data have no flag and keep the library's name.
    static readonly Dictionary<string, string?> Special = new()
    {
        ["DecoderLogVar"] = "decoder-logvar",
        ["Features"] = null,
        ["Width"] = null,
        ["Height"] = null,
        ["Classes"] = null,
    };

    /// <summary>Runs <paramref name="create"/>, turning an <see cref="OptionException"/> into a UsageException that names the flag.</summary>
    public static T Create<T>(Func<T> create)
    {
        try
        {
            return create();
        }
        catch (OptionException e)
        {
            throw new UsageException(Map(e));
        }
    }

    /// <summary>The message with the property replaced by its flag, when the property has one.</summary>
    public static string Map(OptionException e)
    {
        string? flag = Special.TryGetValue(e.Property, out var s) ? s : Kebab(e.Property);
        return flag is null ? e.Message : e.Message.Replace(e.Option, "--" + flag, StringComparison.Ordinal);
    }

    static string Kebab(string name)
    {
        var b = new StringBuilder();
        foreach (char c in name)
        {
            if (char.IsUpper(c) && b.Length > 0) b.Append('-');
            b.Append(char.ToLowerInvariant(c));
        }
        return b.ToString();
    }
}
