using IlgpuAe.Graph;
using IlgpuAe.Models;
using IlgpuAe.Ops;
using static IlgpuAe.Tests.Support.TestBatches;

namespace IlgpuAe.Tests.Graph;

/// <summary>
/// A loss whose gradient is its term's seed alone writes that gradient in the launch that computes its value
/// (<see cref="Plan{T}.FuseLossGradients"/>): the plan then skips its backward launch and its seed launch. The fused
/// and the unfused step give the same bits; what cannot be fused (a term another op reads, a gradient another op
/// wrote first) is left as it was.
/// </summary>
public sealed class FusedGradientTests
{
    public static TheoryData<string> Models() => ["vae", "vae-full", "vae-gaussian", "vae-gaussian-fixed", "cvae-learned-prior", "ae-mse"];

    static Model<float> Build(string kind) => kind switch
    {
        "vae" => new Vae<float>(TestDevice.Cpu, new VaeOptions { Features = 12, Hidden = [6], Latent = 3, Beta = 0.7 }, seed: 4),
        "vae-full" => new Vae<float>(TestDevice.Cpu, new VaeOptions { Features = 12, Hidden = [6], Latent = 3, Posterior = Posterior.Full }, seed: 4),
        "vae-gaussian" => new Vae<float>(TestDevice.Cpu, new VaeOptions { Features = 12, Hidden = [6], Latent = 3, Decoder = Decoder.Gaussian }, seed: 4),
        "vae-gaussian-fixed" => new Vae<float>(TestDevice.Cpu,
            new VaeOptions { Features = 12, Hidden = [6], Latent = 3, Decoder = Decoder.Gaussian, DecoderLogVar = -1 }, seed: 4),
        "cvae-learned-prior" => new Cvae<float>(TestDevice.Cpu, new CvaeOptions
        {
            Features = 12, Width = 4, Height = 3, Classes = 3, Block = 2, Hidden = [5], Latent = 2, Condition = Condition.Label, Prior = ConditionalPrior.Learned,
        }, seed: 6),
        _ => new Autoencoder<float>(TestDevice.Cpu, new AutoencoderOptions { Features = 12, Hidden = [6], Code = 3, Loss = Reconstruction.Mse }, seed: 4),
    };

    static (float[] Grads, double[] Terms, long Launches) Step(Plan<float> plan, Model<float> model, Batch batch, bool fuse)
    {
        plan.FuseLossGradients = fuse;
        plan.Step = 3;
        model.Feed(plan, batch);
        var device = plan.Device;
        device.Synchronize();
        long before = device.Launches;
        plan.Forward();
        plan.Backward();
        long launches = device.Launches - before;
        return (model.Parameters.DownloadGrads(), plan.LastTerms(), launches);
    }

    [Theory, MemberData(nameof(Models))]
    public void Every_loss_term_of_the_model_is_fused_and_the_step_gives_the_unfused_bits_in_two_launches_fewer_per_term(string kind)
    {
        using var model = Build(kind);
        var batch = RandomBatch(4, 12, 3);
        var plan = model.Plan(batch.Rows, training: true);
        plan.GradientScale = 0.5; // a rank's share of the batch: the fused seed must carry it too

        var unfused = Step(plan, model, batch, fuse: false);
        var fused = Step(plan, model, batch, fuse: true);

        Assert.Equal(plan.TermCount, plan.FusedGradientOps);
        Assert.Equal(unfused.Grads, fused.Grads);
        Assert.Equal(unfused.Terms, fused.Terms);
        Assert.Equal(unfused.Launches - 2 * plan.FusedGradientOps, fused.Launches);
    }

    [Fact]
    public void A_scheduled_weight_is_the_one_of_the_step_the_forward_pass_ran_at()
    {
        using var model = new Vae<float>(TestDevice.Cpu,
            new VaeOptions { Features = 12, Hidden = [6], Latent = 3, BetaSchedule = Schedule.Of(step => 0.1 * step) }, seed: 4);
        var batch = RandomBatch(4, 12, 3);
        var plan = model.Plan(batch.Rows, training: true);
        plan.ScheduleStep = 7;
        var unfused = Step(plan, model, batch, fuse: false);
        var fused = Step(plan, model, batch, fuse: true);
        Assert.Equal(unfused.Grads, fused.Grads);
        plan.ScheduleStep = 2;
        Assert.NotEqual(unfused.Grads, Step(plan, model, batch, fuse: true).Grads);
    }

    [Fact]
    public void Switching_fusion_between_forward_and_backward_takes_effect_at_the_next_forward()
    {
        using var model = Build("vae");
        var batch = RandomBatch(4, 12, 3);
        var plan = model.Plan(batch.Rows, training: true);
        var unfused = Step(plan, model, batch, fuse: false);
        foreach (bool first in new[] { false, true })
        {
            plan.FuseLossGradients = first;
            model.Feed(plan, batch);
            plan.Forward();
            plan.FuseLossGradients = !first;
            plan.Backward();
            Assert.Equal(unfused.Grads, model.Parameters.DownloadGrads());
        }
    }

    [Fact]
    public void A_loss_another_op_reads_and_a_gradient_another_loss_wrote_first_are_not_fused()
    {
        using var store = new ParameterStore<double>(TestDevice.Cpu, 1);
        var w = store.Add("w", 3, 3, Init.Xavier, 3, 3);
        var g = new GraphBuilder<double>(store, batch: 4, training: true);
        var x = g.Input("x", 3);
        var y = g.Linear(x, w, null, Activation.Identity);
        var bce = g.ReconstructionLoss(y, x, Reconstruction.Bce);
        var mse = g.ReconstructionLoss(y, x, Reconstruction.Mse);  // the last op on y: first to write dy in backward, so fused
        var read = g.ReconstructionLoss(g.Linear(x, w, null, Activation.Identity), x, Reconstruction.Mse);
        g.Loss("bce", bce);                                         // dy already written by mse's backward: accumulates, not fused
        g.Loss("mse", mse);
        g.Loss("read", read);
        g.Loss("twice", g.Add(read, read));                        // "read" has a gradient besides its seed: not fused
        using var plan = g.Compile();
        Assert.Equal(1, plan.FusedGradientOps);

        var values = Enumerable.Range(0, 12).Select(i => 0.05 + i / 13.0).ToArray();
        double[] Grads(bool fuse)
        {
            plan.FuseLossGradients = fuse;
            plan.SetInput(x, values);
            plan.Forward();
            plan.Backward();
            return store.DownloadGrads();
        }
        Assert.Equal(Grads(false), Grads(true));
    }
}
