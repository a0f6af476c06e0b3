using IlgpuAe.Graph;
using IlgpuAe.Kernels;
using IlgpuAe.Models;
using IlgpuAe.Testing;
using IlgpuAe.Tests.Support;
using Xunit;

namespace IlgpuAe.Tests.Models;

/// <summary>A model the engine does not ship, written through the public graph API alone (the README's example).</summary>
public class CustomObjectiveTests
{
    sealed class CodePenaltyAe(Device d, AutoencoderOptions o, double lambda) : Autoencoder<double>(d, o, seed: 4)
    {
        protected override void Regularize(GraphBuilder<double> g, Node<double> x, Node<double> h)
        {
            g.Loss("code_l2", g.SumOfSquares(h), weight: lambda / g.Batch);
            // A penalty on the decoder's first weight matrix, through the same vocabulary.
            var w = g.Param(Decoder.Layers[0].Weight);
            g.Loss("decoder_l2", g.SumOfSquares(w), weight: 1e-3);
        }
    }

    [Fact]
    public void A_custom_penalty_reports_its_terms_and_its_gradient_matches_finite_differences()
    {
        using var model = new CodePenaltyAe(TestDevice.Cpu,
            new AutoencoderOptions { Features = 9, Hidden = [6], Code = 3, Activation = Activation.Tanh }, lambda: 0.5);
        var rng = new Random(8);
        var batch = new Batch(Enumerable.Range(0, 5 * 9).Select(_ => (float)rng.NextDouble()).ToArray(), new byte[5], 5);
        var plan = model.Plan(5, training: true);
        Assert.Equal(["reconstruction", "code_l2", "decoder_l2"], plan.TermNames);
        GradAssert.Holds(GradCheck.Model(model, batch));
        Assert.True(plan.Term("code_l2") > 0 && plan.Term("decoder_l2") > 0);
    }
}
