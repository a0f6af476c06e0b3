using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using IlgpuAe.Graph;
using IlgpuAe.Models;

namespace IlgpuAe.Testing;

/// <summary>
/// Backward against central finite differences, in double, for a whole model on a batch, for one op, or for any
/// compiled plan. For each probed coordinate θ_i: numeric = (f(θ + h·e_i) − f(θ − h·e_i)) / 2h with f the plan's
/// objective (Σ weight·term) and h = <see cref="GradCheckOptions.Step"/> (1e-5), and
/// error = |analytic − numeric| / max(|analytic| + |numeric|, <see cref="GradCheckOptions.Floor"/> = 1e-2);
/// a check passes when every error is below <see cref="GradCheckOptions.Tolerance"/> (1e-6). A NaN or infinite
/// gradient or difference counts as an infinite error. The returned <see cref="GradCheckReport"/> holds the largest
/// error of each parameter; it throws nothing unless asked (<see cref="GradCheckReport.EnsurePassed"/>), so it works
/// as an FsCheck property (<c>Prop.ForAll(gen, c => GradCheck.Op(...).Passed)</c>) and under any test framework.
/// Run it on the CPU accelerator (<c>Device.Open(Backend.Cpu)</c>): each probe is two forward passes. During the probes every
/// detached value (<see cref="GraphBuilder{T}.Detach"/>) is held at its unperturbed value, since sg(·) is a constant to backward.
/// </summary>
public static class GradCheck
{
    /// <summary>
    /// Every parameter of <paramref name="model"/> on <paramref name="batch"/> (every coordinate unless
    /// <see cref="GradCheckOptions.PerParameter"/> samples), through the model's own training plan for that batch size
    /// at step <see cref="GradCheckOptions.PlanStep"/>, so that its random draws (ε, corruption) stay fixed. The
    /// parameters are left exactly as they were.
    /// </summary>
    public static GradCheckReport Model(Model<double> model, Batch batch, GradCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        options ??= new();
        var plan = model.Plan(batch.Rows, training: true);
        plan.Step = options.PlanStep;
        return Plan(plan, () =>
        {
            model.Feed(plan, batch);
            if (options.Objective is { } objective) plan.Forward(objective);
            else plan.Forward();
        }, options);
    }

    /// <summary>
    /// One op (or any small graph) on seeded inputs: each input becomes a parameter holding its values, the first
    /// input's rows are the batch, and the objective is Σ op(...) ⊙ R with R uniform in (−1, 1) from
    /// <see cref="GradCheckOptions.WeightSeed"/>, so that every output element carries its own weight. The report names
    /// the inputs "in0", "in1", ... in order. Nothing is left allocated.
    /// </summary>
    /// <param name="device">Where the op runs (the CPU accelerator for sharp, fast checks).</param>
    /// <param name="inputs">Shapes and values of the op's inputs.</param>
    /// <param name="op">Adds the op to the graph, given the input nodes, and returns its output.</param>
    /// <param name="options">Step, floor, tolerance, sampling, plan step and seeds.</param>
    public static GradCheckReport Op(Device device, IReadOnlyList<OpInput> inputs, Func<GraphBuilder<double>, Node<double>[], Node<double>> op,
        GradCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(op);
        options ??= new();
        using var store = Store(device, inputs, options);
        var g = new GraphBuilder<double>(store, inputs[0].Rows, training: true);
        var output = op(g, store.Parameters.Select(g.Param).ToArray());
        var weights = g.Input("gradcheck.weights", output.Cols, output.Rows);
        g.Loss("objective", g.Sum(g.Mul(output, weights)));
        using var plan = g.Compile();
        plan.Seed = options.PlanSeed;
        plan.Step = options.PlanStep;
        var rng = new Random(options.WeightSeed);
        var r = new double[output.Length];
        for (int i = 0; i < r.Length; i++) r[i] = rng.NextDouble() * 2 - 1;
        return Plan(plan, () =>
        {
            plan.SetInput(weights, r);
            plan.Forward();
        }, options);
    }

    /// <summary>
    /// The output of <paramref name="op"/> on <paramref name="inputs"/> after one forward pass of an evaluation graph
    /// (at <see cref="GradCheckOptions.PlanStep"/> and <see cref="GradCheckOptions.PlanSeed"/>), row-major: what to hold
    /// against the op's double reference before its gradient is checked.
    /// </summary>
    public static double[] Forward(Device device, IReadOnlyList<OpInput> inputs, Func<GraphBuilder<double>, Node<double>[], Node<double>> op,
        GradCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(op);
        options ??= new();
        using var store = Store(device, inputs, options);
        var g = new GraphBuilder<double>(store, inputs[0].Rows, training: false);
        g.Output("value", op(g, store.Parameters.Select(g.Param).ToArray()));
        using var plan = g.Compile();
        plan.Seed = options.PlanSeed;
        plan.Step = options.PlanStep;
        plan.Forward();
        return plan.Read("value");
    }

    /// <summary>
    /// Any compiled training plan: <paramref name="forward"/> must feed the inputs and run <see cref="Plan{T}.Forward()"/>
    /// (it is called once per probe, with the same data each time); the objective is read from the plan. Every parameter
    /// of the plan's store is probed, and its values (and buffers, such as BatchNorm's running statistics) are restored exactly afterwards.
    /// </summary>
    public static GradCheckReport Plan(Plan<double> plan, Action forward, GradCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(forward);
        options ??= new();
        options.Validate();
        if (!plan.Training) throw new IlgpuAeException("a gradient check needs a training plan (compiled with training: true)");
        var store = plan.Parameters;
        // A training forward pass moves BatchNorm's running statistics; the probes must leave them as they found them.
        var buffers = store.DownloadBuffers();
        forward();
        if (options.Objective is { } name) plan.Backward(name);
        else plan.Backward();
        var analytic = store.DownloadGrads();
        double Value() => options.Objective is { } n ? plan.Objective(n) : plan.Objective();
        var probed = options.Objective is { } o ? plan.GroupOf(o).Parameters : store.Parameters;
        // sg(·) is a constant to backward: the probes hold every detached value at that of the unperturbed pass.
        plan.HoldDetached = true;
        var values = store.Download();
        var rng = new Random(options.SampleSeed);
        double h = options.Step;
        var one = new double[1];
        var errors = new List<ParameterError>();
        foreach (var p in probed)
        {
            IEnumerable<int> coords = Enumerable.Range(0, (int)p.Length);
            if (options.PerParameter is { } k) coords = coords.OrderBy(_ => rng.Next()).Take(k).ToArray();
            var slot = store.ValueOf(p);
            void Set(int c, double v)
            {
                one[0] = v;
                slot.SubView(c, 1).CopyFromCPU(one);
            }
            ParameterError worst = new(p.Name, 0, 0, 0, 0, 0, 0);
            int count = 0;
            foreach (int c in coords)
            {
                double saved = values[p.Offset + c];
                Set(c, saved + h);
                forward();
                double up = Value();
                Set(c, saved - h);
                forward();
                double down = Value();
                Set(c, saved);
                double a = analytic[p.Offset + c], n = (up - down) / (2 * h);
                double error = Error(a, n, options.Floor);
                count++;
                if (count == 1 || error > worst.MaxError)
                    worst = new ParameterError(p.Name, 0, error, c / p.Cols, c % p.Cols, a, n);
            }
            errors.Add(worst with { Checked = count });
        }
        plan.HoldDetached = false;
        store.UploadBuffers(buffers);
        forward(); // leave the plan's values as they were for the unperturbed parameters
        store.UploadBuffers(buffers);
        return new GradCheckReport(errors, options.Tolerance);
    }

    /// <summary>|a − n| / max(|a| + |n|, floor); +∞ when either is not finite.</summary>
    public static double Error(double analytic, double numeric, double floor = 1e-2) =>
        double.IsFinite(analytic) && double.IsFinite(numeric)
            ? Math.Abs(analytic - numeric) / Math.Max(Math.Abs(analytic) + Math.Abs(numeric), floor)
            : double.PositiveInfinity;

    /// <summary>
    /// The parameters whose gradient in the last backward pass was zero everywhere: declared but never reached by a
    /// loss term, they would sit unused in every checkpoint.
    /// </summary>
    public static IReadOnlyList<string> ParametersWithoutGradient<T>(ParameterStore<T> store) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(store);
        var grads = store.DownloadGrads();
        return store.Parameters
            .Where(p => !grads.AsSpan((int)p.Offset, (int)p.Length).ContainsAnyExcept(T.Zero))
            .Select(p => p.Name).ToArray();
    }

    static ParameterStore<double> Store(Device device, IReadOnlyList<OpInput> inputs, GradCheckOptions options)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0) throw new IlgpuAeException("an op check needs at least one input");
        var store = new ParameterStore<double>(device, options.PlanSeed);
        try
        {
            for (int i = 0; i < inputs.Count; i++) store.Add($"in{i}", inputs[i].Rows, inputs[i].Cols, Init.Zeros);
            store.Materialize();
            store.Upload(inputs.SelectMany(v => v.Values).ToArray());
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }
}
