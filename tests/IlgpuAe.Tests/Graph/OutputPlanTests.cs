using IlgpuAe.Graph;
using IlgpuAe.Models;
using IlgpuAe.Tests.Support;
using Xunit;

namespace IlgpuAe.Tests.Graph;

/// <summary>
/// An outputs-only plan (<see cref="GraphBuilder{T}.CompileOutputs"/>, <see cref="Model{T}.OutputPlan"/>): the ops its outputs and kept
/// nodes need and nothing else, no loss terms, the same outputs to the bit as the plan with the terms.
/// </summary>
public sealed class OutputPlanTests
{
    static (Plan<double> Plan, Node<double> Kept) Build(ParameterStore<double> store, bool outputsOnly)
    {
        var g = new GraphBuilder<double>(store, 3, training: false);
        var x = g.Input("x", 4);
        var h = g.Exp(g.MatMul(x, g.Param(store["w"])));
        g.Output("h", h);
        var kept = g.Keep(g.Square(x));
        // An objective the outputs never read.
        g.Loss("penalty", g.Sum(g.Square(g.Mul(h, g.Exp(h)))));
        return (outputsOnly ? g.CompileOutputs() : g.Compile(), kept);
    }

    [Fact]
    public void It_runs_only_what_the_outputs_and_kept_nodes_need_and_reads_the_same_bits()
    {
        using var store = new ParameterStore<double>(TestDevice.Cpu, 7);
        store.Add("w", 4, 2, Init.Xavier);
        store.Materialize();
        var (full, fullKept) = Build(store, outputsOnly: false);
        var (lean, leanKept) = Build(store, outputsOnly: true);
        using (full)
        using (lean)
        {
            var x = Enumerable.Range(0, 12).Select(i => Math.Sin(i + 1.0)).ToArray();
            foreach (var p in new[] { full, lean })
            {
                p.SetInput(p.Input("x"), x);
                p.Forward();
            }
            Assert.True(lean.OutputsOnly && !full.OutputsOnly);
            Assert.Empty(lean.TermNames);
            Assert.Equal(["penalty"], full.TermNames);
            Assert.Equal(3, lean.ForwardOps); // matmul, exp, square: not the penalty's four
            Assert.Equal(full.Read("h"), lean.Read("h"));
            Assert.Equal(full.Read(fullKept), lean.Read(leanKept));
        }
    }

    [Fact]
    public void A_training_graph_cannot_be_compiled_outputs_only()
    {
        using var store = new ParameterStore<double>(TestDevice.Cpu, 1);
        var g = new GraphBuilder<double>(store, 2, training: true);
        g.Output("x", g.Input("x", 2));
        Assert.Throws<InvalidOperationException>(() => g.CompileOutputs());
    }

    [Fact]
    public void A_tcvae_posterior_read_through_the_output_plan_skips_the_batch_squared_parts_and_keeps_the_bits()
    {
        using var model = new Vae<float>(TestDevice.Cpu, new VaeOptions { Features = 6, Hidden = [5], Latent = 3, TcBeta = 4, TcDataSize = 100 }, seed: 2);
        var batch = TestBatches.RandomBatch(8, 6, 3);
        var full = model.Plan(8, training: false);
        var lean = model.OutputPlan(8);
        foreach (var p in new[] { full, lean })
        {
            p.Step = 5;
            model.Feed(p, batch);
            p.Forward();
        }
        Assert.True(lean.ForwardOps < full.ForwardOps, $"{lean.ForwardOps} ops against {full.ForwardOps}");
        Assert.Empty(lean.TermNames);
        foreach (var output in new[] { "mean", "scale", "z", "logits" })
            Assert.Equal(full.Read(output), lean.Read(output));
        Assert.Same(lean, model.OutputPlan(8));
    }
}
