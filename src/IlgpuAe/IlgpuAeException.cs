namespace IlgpuAe;

/// <summary>A failure the user can act on: bad input, a missing device, a bad option. The CLI prints its message alone.</summary>
public class IlgpuAeException : Exception
{
    /// <summary>A failure described by <paramref name="message"/>, printed to the user as it is.</summary>
    public IlgpuAeException(string message) : base(message) { }
    /// <summary>As above, keeping the <paramref name="inner"/> exception that caused it.</summary>
    public IlgpuAeException(string message, Exception inner) : base(message, inner) { }

    /// <summary>For a bad value in an options record, the property at fault as the library spells it ("VaeOptions.Latent"); null otherwise.</summary>
    public string? Option { get; init; }
}
