// snippet: custom-op
using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using ILGPU;
using IlgpuAe;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;
using IlgpuAe.Testing;
using Xunit;

/// <summary>y = x³ elementwise; dx = 3x²·dy. With <c>wrong</c> the backward forgets the 3 (a planted bug).</summary>
sealed class CubeOp<T>(Node<T> x, bool wrong = false) : Op<T>("cube", x) where T : unmanaged, IFloatingPointIeee754<T>
{
    // y[i] = x[i]³
    static void Cube(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> y)
    {
        int n = (int)x.Length;
        for (int s = loop.First(t); s < n; s += loop.Step)
            for (int i = s; i < Math.Min(s + loop.Span, n); i++) y[i] = x[i] * x[i] * x[i];
    }

    // dx[i] = factor·x[i]²·dy[i] (+ dx[i] when beta is 1: another op wrote to dx first; never read it when beta is 0)
    static void CubeBackward(Index1D t, Loop loop, ArrayView<T> x, ArrayView<T> dy, ArrayView<T> dx, T factor, T beta)
    {
        int n = (int)x.Length;
        for (int s = loop.First(t); s < n; s += loop.Step)
            for (int i = s; i < Math.Min(s + loop.Span, n); i++)
            {
                T g = factor * x[i] * x[i] * dy[i];
                dx[i] = beta == T.Zero ? g : g + dx[i];
            }
    }

    public override void Forward(Exec<T> e)
    {
        var loop = e.Device.LoopFor(Output.Length);
        e.Device.Load<Loop, ArrayView<T>, ArrayView<T>>(Cube)(loop.Threads, loop, e.Value(Inputs[0]), e.Value(Output));
    }

    public override void Backward(Exec<T> e)
    {
        if (!e.NeedsGrad(Inputs[0])) return;
        var loop = e.Device.LoopFor(Output.Length);
        e.Device.Load<Loop, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, T>(CubeBackward)(loop.Threads, loop,
            e.Value(Inputs[0]), e.Grad(Output), e.Grad(Inputs[0]), T.CreateTruncating(wrong ? 1 : 3), e.Beta(this, 0));
    }
}
// end snippet

namespace IlgpuAe.Tests.Support
{
    /// <summary>The README's custom op and its gradient check, run exactly as printed there.</summary>
    public class CustomOpExample
    {
        [Fact]
        public void The_readme_custom_op_passes_and_its_planted_wrong_gradient_is_caught()
        {
            // snippet: custom-op-check
            using var device = Device.Open(Backend.Cpu);
            OpInput[] x = [OpInput.Uniform(rows: 4, cols: 5, new Random(1))];
            var good = GradCheck.Op(device, x, (g, p) => g.Add(new CubeOp<double>(p[0]), 4, 5));
            var bad = GradCheck.Op(device, x, (g, p) => g.Add(new CubeOp<double>(p[0], wrong: true), 4, 5));
            Console.WriteLine(good);  // gradient check passed: max error ~1E-11 (tolerance 1E-06) over 20 coordinates of 1 parameters; ...
            Console.WriteLine(bad);   // gradient check FAILED: max error 5.00E-001 ...; worst in0[r,c]: ..., analytic a, numeric 3a
            Assert.True(good.Passed, good.ToString());
            Assert.InRange(bad.MaxError, 0.49, 0.5 + 1e-6);   // |a − 3a| / (|a| + |3a|) = 1/2
            Assert.Throws<GradCheckFailedException>(() => bad.EnsurePassed());

            // As an FsCheck property over shapes and values:
            var shapes = from rows in Gen.Choose(1, 8) from cols in Gen.Choose(1, 8) from seed in Gen.Choose(1, 1000) select (rows, cols, seed);
            Prop.ForAll(shapes.ToArbitrary(), c => GradCheck.Op(device, [OpInput.Uniform(c.rows, c.cols, new Random(c.seed))],
                (g, p) => g.Add(new CubeOp<double>(p[0]), c.rows, c.cols)).Passed).QuickCheckThrowOnFailure();
            // end snippet
        }

        [Fact]
        public void The_readme_shows_the_custom_op_exactly_as_this_file_runs_it()
        {
            string source = RepoFiles.Read("tests", "IlgpuAe.Tests", "Support", "CustomOpExample.cs");
            string readme = RepoFiles.Read("README.md");
            foreach (var name in new[] { "custom-op", "custom-op-check" })
                Assert.Equal(RepoFiles.SourceSnippet(source, name), RepoFiles.MarkdownSnippet(readme, name));
        }
    }
}
