using System.Diagnostics;
using IlgpuAe.Compute;
using IlgpuAe.Data;
using IlgpuAe.Models;
using IlgpuAe.Optim;

namespace IlgpuAe.Cli.Commands;

/// <summary>The rows of `bench` that only a CUDA device has: cuBLAS SGEMM beside the engine's GEMM, and CUDA graph replay.</summary>
public sealed partial class BenchCommand
{
    static double TimeCublas(Device d, CublasSgemm cublas, bool ta, bool tb, int m, int n, int k, int repeat)
    {
        using var a = Filled(d, (long)m * k, 1);
        using var b = Filled(d, (long)k * n, 2);
        using var cbuf = d.Accelerator.Allocate1D<float>((long)m * n);
        return Repeat(repeat, () =>
        {
            cublas.Run(ta, tb, m, n, k, 1f, a.View, b.View, 0f, cbuf.View);
            d.Synchronize();
        });
    }

    /// <summary>
    /// The device work of a train step (forward, backward, Adam; the batch uploaded once before, no divergence guard),
    /// timed launched op by op and then as one captured CUDA graph replayed: the difference is what the launches cost.
    /// Each step first uploads its values (Adam's step count and bias corrections, the plan's step), as the trainer's
    /// `--cuda-graph` path does, so a replay is a true step. A capture that fails gives a null time and a line in
    /// <paramref name="failures"/>.
    /// </summary>
    static IEnumerable<(string Name, (double Median, double Min)? Time)> TimeCaptured(Device device, Model<float> model, Adam adam,
        Batch batch, int steps, List<string> failures)
    {
        var plan = model.Plan(batch.Rows, training: true);
        model.Feed(plan, batch);
        void Prepare()
        {
            plan.StageScalars();
            adam.PrepareStep(model.Parameters);
        }
        void Work()
        {
            plan.Forward();
            plan.Backward();
            adam.LaunchStep(model.Parameters);
        }
        var launched = TimeSteps(steps, () => { Prepare(); Work(); device.Synchronize(); });
        CudaGraph? graph = null;
        try
        {
            graph = CudaGraph.Capture(device, Work);
        }
        catch (IlgpuAeException e)
        {
            failures.Add($"CUDA graph of {model.Kind} at batch {batch.Rows}: {e.Message}");
        }
        using (graph)
        {
            var replayed = graph is null ? ((double, double)?)null : TimeSteps(steps, () => { Prepare(); graph.Launch(); device.Synchronize(); });
            return [("fwd+bwd+adam launched", launched), ("fwd+bwd+adam cuda graph", replayed)];
        }
    }

    /// <summary>One untimed call, then the median and minimum in ms of <paramref name="steps"/> timed calls.</summary>
    static (double Median, double Min) TimeSteps(int steps, Action work)
    {
        work();
        var times = new double[steps];
        for (int i = 0; i < steps; i++)
        {
            long start = Stopwatch.GetTimestamp();
            work();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return (Median(times), times[0]);
    }
}
