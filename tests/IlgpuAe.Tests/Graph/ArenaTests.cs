using FsCheck;
using FsCheck.Fluent;
using IlgpuAe.Graph;
using Xunit;

namespace IlgpuAe.Tests.Graph;

public class ArenaTests
{
    [Fact]
    public void Buffers_alive_at_the_same_time_never_overlap()
    {
        var gen = Gen.ListOf(from len in Gen.Choose(1, 500) from first in Gen.Choose(0, 30) from span in Gen.Choose(0, 10)
                             select new Arena.Request(len, first, first + span));
        Prop.ForAll(gen.ToArbitrary(), requests =>
        {
            var list = requests.ToList();
            var (offsets, total) = Arena.Place(list);
            for (int i = 0; i < list.Count; i++)
            {
                Assert.True(offsets[i] % Arena.Alignment == 0);
                Assert.True(offsets[i] + list[i].Length <= total);
                for (int j = i + 1; j < list.Count; j++)
                {
                    bool meet = list[i].First <= list[j].Last && list[j].First <= list[i].Last;
                    bool overlap = offsets[i] < offsets[j] + list[j].Length && offsets[j] < offsets[i] + list[i].Length;
                    Assert.False(meet && overlap, $"requests {i} and {j} are alive together and overlap");
                }
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Buffers_that_never_meet_share_memory()
    {
        var (offsets, total) = Arena.Place([new(1000, 0, 1), new(1000, 2, 3), new(1000, 4, 5)]);
        Assert.Equal(new long[] { 0, 0, 0 }, offsets);
        Assert.Equal(1008, total);
    }
}

public class PlanTests
{
    [Fact]
    public void A_forward_only_graph_without_loss_terms_compiles_and_runs()
    {
        using var store = new ParameterStore<double>(TestDevice.Cpu, 1);
        var w = store.Add("w", 3, 2, Init.Xavier, 2, 3);
        var g = new GraphBuilder<double>(store, 4, training: false);
        var x = g.Input("x", 2);
        g.Output("y", g.Linear(x, w, null));
        using var plan = g.Compile();
        plan.SetInput(x, new double[8]);
        plan.Forward();
        Assert.Equal(new double[12], plan.Read("y"));
        Assert.Empty(plan.TermSums());
    }

    [Fact]
    public void A_training_graph_needs_a_loss_term()
    {
        using var store = new ParameterStore<double>(TestDevice.Cpu, 1);
        var w = store.Add("w", 3, 2, Init.Xavier, 2, 3);
        var g = new GraphBuilder<double>(store, 4, training: true);
        g.Output("y", g.Linear(g.Input("x", 2), w, null));
        Assert.Throws<InvalidOperationException>(() => g.Compile());
    }
}
