using System.Numerics;
using IlgpuAe.Ops;

namespace IlgpuAe.Graph;

// Several objectives over one graph (adversarial training) and the gradient stop they need.
public sealed partial class GraphBuilder<T>
{
    readonly List<(string Name, ParameterGroup<T> Group, string[] Terms)> _objectives = [];

    internal IReadOnlyList<(string Name, ParameterGroup<T> Group, string[] Terms)> Objectives => _objectives;

    /// <summary>
    /// sg(x): the value of x, through which no gradient passes (backward treats it as a constant). The straight-through
    /// estimator is <c>g.Add(z, g.Detach(g.Subtract(q, z)))</c>: the value of q, the gradient of z.
    /// </summary>
    public Node<T> Detach(Node<T> x) => Add(new DetachOp<T>(x), x.Rows, x.Cols);

    /// <summary>
    /// Declares an objective: the sum of weight·term over <paramref name="terms"/> (named with <see cref="Loss(string, Node{T}, double)"/>),
    /// minimised over the members of <paramref name="group"/> alone by an optimizer of its own. Objectives are stepped in the
    /// order they are declared: a training step runs, for each, its forward ops, its backward pass (gradients of its group only)
    /// and its optimizer. Once one objective is declared, every term must belong to exactly one. A graph without objectives has
    /// one: every term over every parameter.
    /// </summary>
    public void Objective(string name, ParameterGroup<T> group, params string[] terms)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (string.IsNullOrWhiteSpace(name)) throw new IlgpuAeException("an objective needs a name");
        if (_objectives.Any(o => o.Name == name)) throw new IlgpuAeException($"objective '{name}' is declared twice");
        if (group.Store != Parameters) throw new IlgpuAeException($"objective '{name}': parameter group '{group.Name}' belongs to another parameter store");
        if (terms.Length == 0) throw new IlgpuAeException($"objective '{name}' names no loss term");
        _objectives.Add((name, group, terms.ToArray()));
    }
}
