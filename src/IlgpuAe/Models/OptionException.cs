namespace IlgpuAe.Models;

/// <summary>
/// An options record holds a value its model cannot use. <see cref="Option"/> names the property as the library spells it
/// ("VaeOptions.Latent"), and the message starts with it, so a program can point at the field and a command line can
/// put its own flag in its place (the <c>ilgpu-ae</c> command maps "VaeOptions.Latent" to "--latent").
/// </summary>
/// <param name="option">The record and property, e.g. "VaeOptions.Latent".</param>
/// <param name="message">The whole message, naming <paramref name="option"/>.</param>
public sealed class OptionException(string option, string message) : IlgpuAeException(message)
{
    /// <summary>The record and property at fault, e.g. "VaeOptions.Latent" or "SparseOptions.Rho".</summary>
    public string Option { get; } = option;

    /// <summary>The property name alone ("Latent").</summary>
    public string Property => Option[(Option.LastIndexOf('.') + 1)..];

    /// <summary>An exception for <paramref name="option"/> with the message "<paramref name="option"/> <paramref name="problem"/>".</summary>
    public static OptionException For(string option, string problem) => new(option, $"{option} {problem}");
}
