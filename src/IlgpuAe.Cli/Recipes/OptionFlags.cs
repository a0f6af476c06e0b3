using System.Text;

namespace IlgpuAe.Cli.Recipes;

/// <summary>Puts the command line's flag in place of the options property a library error names ("VaeOptions.Latent" → "--latent").</summary>
public static class OptionFlags
{
    // Properties whose flag is not their kebab-case name; those that come from the data have no flag and keep the library's name.
    static readonly Dictionary<string, string?> Special = new()
    {
        ["DecoderLogVar"] = "decoder-logvar",
        ["Conv"] = "arch conv",
        ["Features"] = null,
        ["Width"] = null,
        ["Height"] = null,
        ["Classes"] = null,
        ["TcDataSize"] = null,
    };

    // Properties whose flag depends on another value: a corruption's level is --sigma for gaussian noise and --p otherwise.
    static readonly Dictionary<string, Func<IlgpuAeException, string>> Contextual = new()
    {
        ["Corruption.Level"] = e => e.Data["noise"] as string == "gaussian" ? "sigma" : "p",
        // --groups is GroupNorm's.
        ["IwaeOptions.Groups"] = _ => "iw-groups",
    };

    /// <summary>Runs <paramref name="create"/>, turning an options error (<see cref="IlgpuAeException.Option"/>) into a UsageException that names the flag.</summary>
    public static T Create<T>(Func<T> create)
    {
        try
        {
            return create();
        }
        catch (IlgpuAeException e) when (e.Option is not null)
        {
            throw new UsageException(Map(e));
        }
    }

    /// <summary>The message with the property replaced by its flag, when the property has one.</summary>
    public static string Map(IlgpuAeException e)
    {
        if (e.Option is null) return e.Message;
        string property = e.Option[(e.Option.LastIndexOf('.') + 1)..];
        string? flag = Contextual.TryGetValue(e.Option, out var pick) ? pick(e)
            : Special.TryGetValue(property, out var s) ? s : Kebab(property);
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
