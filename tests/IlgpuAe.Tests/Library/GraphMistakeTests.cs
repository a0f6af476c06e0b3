using System.Diagnostics;
using ILGPU;
using IlgpuAe.Graph;
using IlgpuAe.Models;
using Xunit;

namespace IlgpuAe.Tests.Library;

/// <summary>Mistakes a researcher makes with the graph end in one clear error naming the culprit, never in a process abort.</summary>
public class GraphMistakeTests
{
    static readonly AutoencoderOptions Tiny = new() { Features = 6, Hidden = [5], Code = 3 };

    /// <summary>A user op whose kernels write <c>forwardWrites</c> elements of its [1x1] output and <c>backwardWrites</c> of its input's gradient.</summary>
    sealed class WritingOp(Node<float> x, int forwardWrites, int backwardWrites) : Op<float>("writing", x)
    {
        static void Fill(Index1D t, ArrayView<float> y, int n)
        {
            if (t == 0) for (int j = 0; j < n; j++) y[j] = 0.5f;
        }

        public override void Forward(Exec<float> x) => x.Device.Load<ArrayView<float>, int>(Fill)(1, x.Value(Output), forwardWrites);

        public override void Backward(Exec<float> x)
        {
            if (x.NeedsGrad(Inputs[0])) x.Device.Load<ArrayView<float>, int>(Fill)(1, x.Grad(Inputs[0]), backwardWrites);
        }
    }

    sealed class WithUserOp(Device d, int forwardWrites, int backwardWrites) : Autoencoder<float>(d, Tiny)
    {
        public override string Kind => "with-user-op";
        protected override void Regularize(GraphBuilder<float> g, Node<float> x, Node<float> h) =>
            g.Loss("user", g.Add(new WritingOp(h, forwardWrites, backwardWrites), 1, 1));
    }

    [Fact]
    public void A_user_op_writing_past_its_declared_output_is_named_when_the_plan_compiles()
    {
        int listeners = Trace.Listeners.Count;
        using var model = new WithUserOp(TestDevice.Cpu, forwardWrites: 12, backwardWrites: 4 * 3);
        var e = Assert.Throws<IlgpuAeException>(() => model.Plan(4, training: true));
        Assert.Contains("op 'writing' (WritingOp", e.Message);
        Assert.Contains("11 elements past its output writing[1x1] (1 declared)", e.Message);
        Assert.Contains("g.Add(op, rows, cols)", e.Message);
        Assert.Equal(listeners, Trace.Listeners.Count);
    }

    [Fact]
    public void A_user_op_writing_past_a_gradient_in_its_backward_pass_is_named_too()
    {
        using var model = new WithUserOp(TestDevice.Cpu, forwardWrites: 1, backwardWrites: 4 * 3 + 2);
        var e = Assert.Throws<IlgpuAeException>(() => model.Plan(4, training: true));
        Assert.Contains("2 elements past the gradient of its input", e.Message);
        // The evaluation plan has no backward pass, so the same op is fine there.
        Assert.NotNull(model.Plan(4, training: false));
    }

    [Fact]
    public void A_user_op_that_keeps_to_its_shapes_compiles_and_trains()
    {
        using var model = new WithUserOp(TestDevice.Cpu, forwardWrites: 1, backwardWrites: 4 * 3);
        var plan = model.Plan(4, training: true);
        model.Feed(plan, new Batch(Enumerable.Range(0, 24).Select(i => i / 24f).ToArray(), new byte[4], 4));
        plan.Forward();
        plan.Backward();
        Assert.Equal(0.5, plan.Term("user"), 6);
    }

    [Fact]
    public void An_input_never_fed_is_an_error_before_the_forward_pass()
    {
        using var model = new Autoencoder<float>(TestDevice.Cpu, Tiny);
        var plan = model.Plan(2, training: false);
        var e = Assert.Throws<IlgpuAeException>(plan.Forward);
        Assert.Contains("input 'x' [2x6] was never fed", e.Message);
        plan.SetInput(plan.Input("x"), new float[12]);
        plan.Forward();
    }

    [Fact]
    public void Shape_mismatches_name_both_nodes()
    {
        using var store = new ParameterStore<float>(TestDevice.Cpu, 1);
        var g = new GraphBuilder<float>(store, 2, training: false);
        var x = g.Input("x", 3);
        var y = g.Input("y", 4);
        var e = Assert.Throws<IlgpuAeException>(() => g.Add(x, y));
        Assert.Contains("#0 x[2x3]", e.Message);
        Assert.Contains("#1 y[2x4]", e.Message);
        var m = Assert.Throws<IlgpuAeException>(() => g.MatMul(x, y));
        Assert.Contains("#0 x[2x3]", m.Message);
        Assert.Contains("#1 y[2x4]", m.Message);
    }

    sealed class KeepsItsLogits(Device d) : Autoencoder<float>(d, Tiny)
    {
        public Node<float>? Logits { get; private set; }
        public override string Kind => "keeps-its-logits";
        protected override void Regularize(GraphBuilder<float> g, Node<float> x, Node<float> h, Node<float> reconstruction)
        {
            if (g.Training) Logits = g.Keep(reconstruction);
        }
    }

    [Fact]
    public void A_training_plan_reads_any_node_marked_readable_and_refuses_the_others()
    {
        using var model = new KeepsItsLogits(TestDevice.Cpu);
        var plan = model.Plan(4, training: true);
        var batch = new Batch(Enumerable.Range(0, 24).Select(i => i / 24f).ToArray(), new byte[4], 4);
        model.Feed(plan, batch);
        plan.Forward();
        plan.Backward();
        float[] logits = plan.Read(model.Logits!);
        Assert.Equal(4 * 6, logits.Length);
        // The evaluation plan's probabilities are the sigmoid of the same logits.
        float[] probabilities = model.Infer(batch, "reconstruction");
        for (int i = 0; i < logits.Length; i++) Assert.Equal(1 / (1 + Math.Exp(-logits[i])), probabilities[i], 5);
        var hidden = model.Logits!.Producer!.Inputs[0];
        var e = Assert.Throws<IlgpuAeException>(() => plan.Read(hidden));
        Assert.Contains("g.Keep(node)", e.Message);
    }
}
