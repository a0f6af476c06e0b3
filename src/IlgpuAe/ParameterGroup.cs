using System.Numerics;

namespace IlgpuAe;

/// <summary>
/// A named subset of a <see cref="ParameterStore{T}"/> (an encoder, a decoder, a discriminator): what one objective's
/// optimizer updates. The subset is held as the spans of the flat buffers it covers, in buffer order, adjacent
/// parameters merged, so that an optimizer steps a group declared in one piece with one launch.
/// </summary>
public sealed class ParameterGroup<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly HashSet<Parameter<T>> _members;

    internal ParameterGroup(ParameterStore<T> store, string name, IEnumerable<Parameter<T>> parameters)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new IlgpuAeException("a parameter group needs a name");
        Store = store;
        Name = name;
        _members = [];
        foreach (var p in parameters)
        {
            if (!store.Parameters.Contains(p)) throw new IlgpuAeException($"parameter group '{name}': '{p.Name}' is not a parameter of this store");
            if (!_members.Add(p)) throw new IlgpuAeException($"parameter group '{name}' names '{p.Name}' twice");
        }
        if (_members.Count == 0) throw new IlgpuAeException($"parameter group '{name}' holds no parameter");
        Parameters = store.Parameters.Where(_members.Contains).ToArray();
        var spans = new List<(long Offset, long Length)>();
        foreach (var p in Parameters)
        {
            if (spans.Count > 0 && spans[^1].Offset + spans[^1].Length == p.Offset) spans[^1] = (spans[^1].Offset, spans[^1].Length + p.Length);
            else spans.Add((p.Offset, p.Length));
        }
        Spans = spans;
        Count = Parameters.Sum(p => p.Length);
    }

    /// <summary>The store the group is a subset of.</summary>
    public ParameterStore<T> Store { get; }
    /// <summary>The group's name (in messages and checkpoints).</summary>
    public string Name { get; }
    /// <summary>The members in buffer order.</summary>
    public IReadOnlyList<Parameter<T>> Parameters { get; }
    /// <summary>The (offset, length) runs of the flat buffers the members cover, in buffer order, adjacent members merged.</summary>
    public IReadOnlyList<(long Offset, long Length)> Spans { get; }
    /// <summary>Elements of all members together: the length of an optimizer's state for this group.</summary>
    public long Count { get; }

    /// <summary>Whether <paramref name="p"/> is a member.</summary>
    public bool Contains(Parameter<T> p) => _members.Contains(p);

    /// <summary>"name (n parameters)".</summary>
    public override string ToString() => $"{Name} ({Count:N0} parameters)";
}
