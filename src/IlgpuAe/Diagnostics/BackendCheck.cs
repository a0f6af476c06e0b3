using IlgpuAe.Training;
using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;
using IlgpuAe.Compute;
using IlgpuAe.Data;
using IlgpuAe.Kernels;
using IlgpuAe.Models;
using IlgpuAe.Ops;
using IlgpuAe.Optim;

namespace IlgpuAe.Diagnostics;

/// <summary>One check of <see cref="BackendCheck"/>: passed when <see cref="Error"/> is at most <see cref="Tolerance"/>.</summary>
/// <param name="Name">What was checked.</param>
/// <param name="Passed">Error within tolerance, and nothing NaN.</param>
/// <param name="Error">The measured error (a ratio to the allowed error, or a loss ratio for the training checks).</param>
/// <param name="Tolerance">The largest error that passes.</param>
/// <param name="Milliseconds">Wall time of the check, compilation included.</param>
/// <param name="Detail">How the error is measured, or what went wrong.</param>
public sealed record CheckResult(string Name, bool Passed, double Error, double Tolerance, double Milliseconds, string Detail);

/// <summary>
/// Whether a device computes what the engine needs, in a few seconds: GEMM in every transpose and with its fused
/// epilogue, every activation forward and backward, the Philox normal fill and Adam against the double references, and a
/// short training of an autoencoder and a VAE whose test loss must fall. Where the test suite cannot run (a GPU host
/// without a .NET SDK) <c>ilgpu-ae check</c> runs these from a self-contained publish; the CUDA tests assert the same list.
/// </summary>
public static class BackendCheck
{
    /// <summary>Runs every check on <paramref name="device"/>, reporting each as it finishes; returns them all.</summary>
    public static IReadOnlyList<CheckResult> Run(Device device, Action<CheckResult>? onResult = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        var results = new List<CheckResult>();
        void Add(string name, Func<(double Error, double Tolerance, string Detail)> check)
        {
            var clock = Stopwatch.StartNew();
            CheckResult r;
            try
            {
                var (error, tolerance, detail) = check();
                device.Synchronize();
                r = new CheckResult(name, error <= tolerance, error, tolerance, clock.Elapsed.TotalMilliseconds, detail);
            }
            catch (Exception e) when (e is IlgpuAeException or InvalidOperationException or NotSupportedException or ArgumentException
                or ILGPU.Runtime.AcceleratorException)
            {
                r = new CheckResult(name, false, double.NaN, 0, clock.Elapsed.TotalMilliseconds, $"{e.GetType().Name}: {e.Message}");
            }
            results.Add(r);
            onResult?.Invoke(r);
        }

        foreach (var (ta, tb) in new[] { (false, false), (false, true), (true, false), (true, true) })
            Add($"gemm {(ta ? 'T' : 'N')}{(tb ? 'T' : 'N')} 129x67x250", () => Gemm(device, ta, tb, 129, 67, 250, Activation.Identity));
        Add("gemm NT 129x67x250 + bias + ReLU epilogue", () => Gemm(device, false, true, 129, 67, 250, Activation.Relu));
        foreach (var f in Enum.GetValues<Activation>())
            Add($"activation {f} forward and backward", () => ActivationCheck(device, f));
        Add("Philox normal fill", () => NormalFill(device));
        Add("Adam, 3 steps", () => AdamCheck(device));
        var data = FashionMnist.LoadEmbedded();
        Add("autoencoder trains (1 epoch, 2048 images)", () => Trains(device, data,
            new Autoencoder<float>(device, new AutoencoderOptions { Hidden = [128], Code = 16 }, seed: 1), 2e-3, 0.7));
        Add("vae trains (1 epoch, 2048 images)", () => Trains(device, data,
            new Vae<float>(device, new VaeOptions { Hidden = [128], Latent = 8 }, seed: 1), 2e-3, 0.9));
        return results;
    }

    static float[] Randoms(int seed, int n, double lo, double hi)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(lo + (hi - lo) * rng.NextDouble())).ToArray();
    }

    /// <summary>|C − C_ref| over 2·10⁻⁷·(k + 8)·(Σ_p |a||b| + |bias| + |C_ref|), the GEMM tests' float tolerance, worst element.</summary>
    static (double, double, string) Gemm(Device device, bool ta, bool tb, int m, int n, int k, Activation activation)
    {
        float[] a = Randoms(1, m * k, -1, 1), b = Randoms(2, k * n, -1, 1), bias = Randoms(3, n, -1, 1);
        bool withBias = activation != Activation.Identity;
        using var da = device.Accelerator.Allocate1D(a);
        using var db = device.Accelerator.Allocate1D(b);
        using var dbias = device.Accelerator.Allocate1D(bias);
        using var dc = device.Accelerator.Allocate1D(Enumerable.Repeat(float.NaN, m * n).ToArray());
        Compute.Gemm.Run(device, ta, tb, m, n, k, 1f, da.View, db.View, 0f, dc.View, withBias ? dbias.View : default, activation);
        var got = dc.GetAsArray1D();
        double[] ad = [.. a.Select(v => (double)v)], bd = [.. b.Select(v => (double)v)], biasD = [.. bias.Select(v => (double)v)];
        var expected = new double[m * n];
        GemmReference.Run(ta, tb, m, n, k, 1, ad, bd, 0, expected, withBias ? biasD : null, activation);
        var scale = new double[m * n];
        GemmReference.Run(ta, tb, m, n, k, 1, [.. ad.Select(Math.Abs)], [.. bd.Select(Math.Abs)], 0, scale,
            withBias ? [.. biasD.Select(Math.Abs)] : null);
        double tol = 2e-7 * (k + 8), worst = 0;
        for (int i = 0; i < got.Length; i++)
            worst = Math.Max(worst, Ratio(got[i], expected[i], tol * (scale[i] + Math.Abs(expected[i])) + 1e-30));
        return (worst, 1, "worst |error| / allowed error");
    }

    /// <summary>f(x) and dy·f'(x) on 10,000 values in [−4, 4] against the double reference, |error| ≤ 10⁻⁵·(1 + |expected|).</summary>
    static (double, double, string) ActivationCheck(Device device, Activation f)
    {
        const int n = 10_000;
        const float a = 0.3f;
        float[] x = Randoms(4, n, -4, 4), dy = Randoms(5, n, -1, 1);
        using var dx = device.Accelerator.Allocate1D(x);
        using var ddy = device.Accelerator.Allocate1D(dy);
        using var y = device.Accelerator.Allocate1D<float>(n);
        using var grad = device.Accelerator.Allocate1D<float>(n);
        ActivationLaunch.Forward(device, f, dx.View, y.View, a);
        ActivationLaunch.Backward(device, f, y.View, ddy.View, grad.View, a, 0f);
        var gotY = y.GetAsArray1D();
        var gotG = grad.GetAsArray1D();
        double worst = 0;
        for (int i = 0; i < n; i++)
        {
            double fx = ActivationReference.Forward(f, x[i], a);
            worst = Math.Max(worst, Ratio(gotY[i], fx, 1e-5 * (1 + Math.Abs(fx))));
            double g = dy[i] * ActivationReference.Derivative(f, x[i], a);
            worst = Math.Max(worst, Ratio(gotG[i], g, 1e-5 * (1 + Math.Abs(g))));
        }
        return (worst, 1, "worst |error| / (1e-5·(1 + |expected|))");
    }

    /// <summary>The engine's N(0, 1) fill (the noise op's path) against the double Box-Muller of the same Philox words.</summary>
    static (double, double, string) NormalFill(Device device)
    {
        const int n = 50_000;
        const ulong seed = 0x299f31d0a4093822ul, stream = 77;
        using var y = device.Accelerator.Allocate1D<float>(n);
        RandomLaunch.Normal(device, y.View, seed, stream, 0, 0f, 1f);
        var got = y.GetAsArray1D();
        double worst = 0;
        for (int i = 0; i < n; i++)
        {
            double e = RandomReference.Normal(seed, stream, i, 23, 0, 1);
            worst = Math.Max(worst, Ratio(got[i], e, 1e-5 * (1 + Math.Abs(e))));
        }
        return (worst, 1, "worst |error| / (1e-5·(1 + |expected|))");
    }

    /// <summary>Three Adam steps over 5,000 parameters with gradients across four orders of magnitude, against the double reference.</summary>
    static (double, double, string) AdamCheck(Device device)
    {
        const int n = 5_000;
        using var store = new ParameterStore<float>(device, 1);
        var p = store.Add("p", 1, n, Init.Zeros, n, n);
        store.Materialize();
        var values = Randoms(6, n, -1, 1);
        store.Upload(values);
        double[] pd = [.. values.Select(v => (double)v)], m = new double[n], v = new double[n];
        using var adam = new Adam(1e-2);
        for (int step = 1; step <= 3; step++)
        {
            var g = Randoms(10 + step, n, -1, 1).Select((x, i) => x * MathF.Pow(10, -(i % 4))).ToArray();
            store.GradOf(p).SubView(0, n).CopyFromCPU(g);
            adam.Step(store);
            OptimizerReference.Adam(pd, [.. g.Select(x => (double)x)], m, v, step, 1e-2, 0.9, 0.999, 1e-8, 0, false);
        }
        var got = store.Download();
        double worst = 0;
        for (int i = 0; i < n; i++) worst = Math.Max(worst, Ratio(got[i], pd[i], 1e-5 * (1 + Math.Abs(pd[i]))));
        return (worst, 1, "worst |error| / (1e-5·(1 + |expected|))");
    }

    /// <summary>Test loss (512 images) after one epoch on 2,048 training images, as a fraction of the loss before; passes at most <paramref name="ratio"/>.</summary>
    static (double, double, string) Trains(Device device, DataSplit data, Model<float> model, double lr, double ratio)
    {
        using var _ = model;
        var train = data.Train.Slice(0, 2048);
        var test = data.Test.Slice(0, 512);
        model.InitialiseFromData(train); // as a run starts, so that "before" is the untrained model the run would see
        double before = Trainer<float>.Evaluate(model, test, 128).Loss;
        using var adam = new Adam(lr);
        using var trainer = new Trainer<float>(model, adam, 32, 1);
        double after = trainer.Run(train, test, 1).Single().TestLoss;
        return (after / before, ratio, $"test loss {before:F1} -> {after:F1}");
    }

    /// <summary>|got − expected| / allowed; NaN (an unwritten or broken element) counts as infinitely wrong.</summary>
    static double Ratio(double got, double expected, double allowed) =>
        double.IsFinite(got) || got == expected ? Math.Abs(got - expected) / allowed : double.PositiveInfinity;
}
