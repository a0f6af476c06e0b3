namespace IlgpuAe.Models;

/// <summary>
/// The errors of an options record that holds a value its model cannot use: an <see cref="IlgpuAeException"/> whose
/// <see cref="IlgpuAeException.Option"/> names the property as the library spells it ("VaeOptions.Latent") and whose message
/// starts with it, so that a program can point at the field and a command line can put its own flag in its place
/// (the <c>ilgpu-ae</c> command maps "VaeOptions.Latent" to "--latent").
/// </summary>
public static class OptionError
{
    /// <summary>"<paramref name="option"/> <paramref name="problem"/>", e.g. "VaeOptions.Latent must be at least 1, got 0".</summary>
    public static IlgpuAeException For(string option, string problem) => new($"{option} {problem}") { Option = option };

    /// <summary>A whole <paramref name="message"/> that names <paramref name="option"/> itself.</summary>
    public static IlgpuAeException Worded(string option, string message) => new(message) { Option = option };
}
