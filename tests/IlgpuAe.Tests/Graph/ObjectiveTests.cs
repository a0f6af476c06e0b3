using IlgpuAe.Graph;
using IlgpuAe.Optim;

namespace IlgpuAe.Tests.Graph;

/// <summary>
/// Parameter groups and several objectives over one graph: each objective's backward pass writes its own group's gradients
/// alone, its optimizer steps that group alone, and the objectives run in the stated order, each seeing the parameters the
/// ones before it updated.
/// </summary>
public sealed class ObjectiveTests
{
    [Fact]
    public void A_group_by_prefix_takes_whole_names_and_merges_adjacent_parameters_into_one_span()
    {
        using var store = new ParameterStore<float>(TestDevice.Cpu, 1);
        var a = store.Add("encoder.0.weight", 2, 3, Init.Zeros);
        store.Add("encoderx.weight", 1, 1, Init.Zeros);
        var b = store.Add("encoder.1.bias", 1, 4, Init.Zeros);
        var c = store.Add("decoder.0.weight", 2, 2, Init.Zeros);
        var encoder = store.Group("encoder", "encoder");
        Assert.Equal([a, b], encoder.Parameters);
        Assert.Equal([(0L, 6L), (7L, 4L)], encoder.Spans);
        Assert.Equal(10, encoder.Count);
        var both = store.Group("b and c", [c, b]);
        Assert.Equal([(7L, 8L)], both.Spans);
        Assert.Contains("holds no parameter", Assert.Throws<IlgpuAeException>(() => store.Group("none", "discriminator")).Message);
        Assert.Contains("twice", Assert.Throws<IlgpuAeException>(() => store.Group("twice", [a, a])).Message);
        using var other = new ParameterStore<float>(TestDevice.Cpu, 1);
        var stranger = other.Add("x", 1, 1, Init.Zeros);
        Assert.Contains("not a parameter of this store", Assert.Throws<IlgpuAeException>(() => store.Group("mixed", [a, stranger])).Message);
    }

    /// <summary>
    /// first = Σ (a − 3)² over group {a}; second = Σ (b − a)² over group {b}, two SGD optimizers without momentum:
    /// a₁ = a₀ − lr·2(a₀ − 3), then b₁ = b₀ − lr·2(b₀ − a₁), the second seeing the a the first just updated.
    /// </summary>
    [Fact]
    public void Objectives_step_in_order_each_over_its_own_group()
    {
        const double lr = 0.1;
        using var store = new ParameterStore<double>(TestDevice.Cpu, 1);
        var a = store.Add("a", 1, 3, Init.Zeros);
        var b = store.Add("b", 1, 3, Init.Zeros);
        store.Materialize();
        double[] a0 = [0.5, -1, 2], b0 = [1, 0.25, -0.5];
        store.Upload([.. a0, .. b0]);
        var g = new GraphBuilder<double>(store, 1, training: true);
        var na = g.Param(a);
        var nb = g.Param(b);
        g.Loss("second", g.SumOfSquares(g.Subtract(nb, na)));
        g.Loss("first", g.SumOfSquares(g.Subtract(na, g.Constant(1, 3, 3.0))));
        g.Objective("first", store.Group("a", [a]), "first");
        g.Objective("second", store.Group("b", [b]), "second");
        using var plan = g.Compile();
        Assert.Equal(["first", "second"], plan.ObjectiveNames);
        Assert.Equal(["first", "second"], plan.TermNames); // terms are grouped objective by objective
        Assert.Contains("Backward(name)", Assert.Throws<IlgpuAeException>(() => plan.Backward()).Message);
        using var first = new Sgd(lr, momentum: 0);
        using var second = new Sgd(lr, momentum: 0);
        foreach (var (name, optimizer) in new[] { ("first", first), ("second", second) })
        {
            plan.Forward(name);
            plan.Backward(name);
            optimizer.Step(plan.GroupOf(name));
        }
        var a1 = a0.Select(v => v - lr * 2 * (v - 3)).ToArray();
        var b1 = b0.Select((v, i) => v - lr * 2 * (v - a1[i])).ToArray();
        var values = store.Download();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(a1[i], values[i], 14);
            Assert.Equal(b1[i], values[3 + i], 14);
        }
        // The second objective's backward wrote b's gradient alone: a's is still the first's, 2(a₀ − 3).
        var grads = store.DownloadGrads();
        for (int i = 0; i < 3; i++) Assert.Equal(2 * (a0[i] - 3), grads[i], 14);
        // Each optimizer's state has its group's length, and each counted its one step.
        Assert.Equal(3, first.State()["velocity"].Length);
        Assert.Equal(3, second.State()["velocity"].Length);
        Assert.Equal((1, 1), (first.Steps, second.Steps));
    }

    [Fact]
    public void A_group_member_no_term_of_its_objective_reaches_gets_a_zero_gradient_not_a_stale_one()
    {
        using var store = new ParameterStore<double>(TestDevice.Cpu, 1);
        var a = store.Add("a", 1, 2, Init.Zeros);
        var b = store.Add("b", 1, 2, Init.Zeros);
        store.Materialize();
        store.Upload([1, 2, 3, 4]);
        var g = new GraphBuilder<double>(store, 1, training: true);
        g.Loss("ab", g.SumOfSquares(g.Add(g.Param(a), g.Param(b))));
        g.Loss("a only", g.SumOfSquares(g.Param(a)));
        g.Objective("both", store.Group("ab", [a, b]), "ab");
        g.Objective("a", store.Group("ab too", [a, b]), "a only");
        using var plan = g.Compile();
        plan.Forward("both");
        plan.Backward("both");
        Assert.All(store.DownloadGrads(), v => Assert.NotEqual(0, v));
        plan.Forward("a");
        plan.Backward("a");
        Assert.Equal([2.0, 4, 0, 0], store.DownloadGrads());
    }

    [Fact]
    public void Mistakes_in_declaring_objectives_are_one_error_naming_the_term()
    {
        using var store = new ParameterStore<double>(TestDevice.Cpu, 1);
        var a = store.Add("a", 1, 2, Init.Zeros);
        IlgpuAeException Compile(Action<GraphBuilder<double>, Node<double>, ParameterGroup<double>> declare)
        {
            var g = new GraphBuilder<double>(store, 1, training: true);
            var n = g.Param(a);
            return Assert.Throws<IlgpuAeException>(() =>
            {
                declare(g, n, store.Group("a", [a]));
                g.Compile().Dispose();
            });
        }
        Assert.Contains("'y' belongs to none", Compile((g, n, grp) => { g.Loss("x", g.Sum(n)); g.Loss("y", g.Sum(n)); g.Objective("o", grp, "x"); }).Message);
        Assert.Contains("does not have", Compile((g, n, grp) => { g.Loss("x", g.Sum(n)); g.Objective("o", grp, "x", "z"); }).Message);
        Assert.Contains("to objective 'p'", Compile((g, n, grp) => { g.Loss("x", g.Sum(n)); g.Objective("o", grp, "x"); g.Objective("p", grp, "x"); }).Message);
        Assert.Contains("declared twice", Compile((g, n, grp) => { g.Loss("x", g.Sum(n)); g.Objective("o", grp, "x"); g.Objective("o", grp, "x"); }).Message);
    }
}
