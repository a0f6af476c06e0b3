using IlgpuAe.Graph;
using IlgpuAe.Kernels;
using IlgpuAe.Ops;
using Xunit;

namespace IlgpuAe.Tests.Vae;

public class BlockMaskOpTests
{
    [Fact]
    public void In_graph_block_mask_hides_the_block_the_reference_places_for_that_step()
    {
        const int rows = 6, h = 5, w = 7, block = 3;
        var rng = new Random(4);
        var images = Enumerable.Range(0, rows * h * w).Select(_ => 0.1 + rng.NextDouble()).ToArray();
        using var store = new ParameterStore<double>(TestDevice.Cpu, 1);
        store.Add("unused", 1, 1, Init.Zeros);
        var g = new GraphBuilder<double>(store, rows, training: false);
        var x = g.Input("x", h * w);
        g.Output("masked", g.BlockMask(x, h, w, block));
        using var plan = g.Compile();
        plan.Seed = 9;
        plan.Step = 17;
        plan.SetInput(x, images);
        plan.Forward();
        // The graph's first random op takes stream 1.
        var (expected, observed) = CorruptionReference.BlockMask(images, h, w, block, block, 9, BlockMaskOp<double>.Stream(1, 17));
        Assert.Equal(expected, plan.Read("masked"));
        Assert.Equal(rows * block * block, observed.Count(o => o == 0));
    }
}
