using FsCheck;
using FsCheck.Fluent;
using IlgpuAe.Graph;
using IlgpuAe.Testing;
using static IlgpuAe.Tests.Support.GradAssert;

namespace IlgpuAe.Tests.Graph;

/// <summary>
/// Constants, row and column broadcasts, row and column sums and means as graph ops: their values equal the double
/// reference, their gradients equal central finite differences on random shapes, constants survive every step of a
/// plan, and mistakes (a non-row broadcast, a wrong constant) are one IlgpuAeException naming the op and the shapes.
/// </summary>
public sealed class OpVocabularyTests
{
    static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(5).WithQuietOnSuccess(true);

    [Fact]
    public void Broadcasts_sums_means_and_constants_match_finite_differences()
    {
        var gen = from rows in Gen.Choose(1, 16) from cols in Gen.Choose(1, 16) from seed in Gen.Choose(1, 100000) select (rows, cols, seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var rng = new Random(c.seed);
            OpInput Any(int rows, int cols) => OpInput.Uniform(rows, cols, rng, scale: 2);
            var options = new GradCheckOptions { PerParameter = 24, WeightSeed = c.seed };
            var m = Any(c.rows, c.cols);
            Holds(GradCheck.Op(TestDevice.Cpu, [m], (g, p) => g.RowSums(p[0]), options));
            Holds(GradCheck.Op(TestDevice.Cpu, [m], (g, p) => g.ColumnSums(p[0]), options));
            Holds(GradCheck.Op(TestDevice.Cpu, [m], (g, p) => g.RowMeans(p[0]), options));
            Holds(GradCheck.Op(TestDevice.Cpu, [m], (g, p) => g.ColumnMeans(p[0]), options));
            Holds(GradCheck.Op(TestDevice.Cpu, [Any(1, c.cols)], (g, p) => g.BroadcastRow(p[0], c.rows), options));
            Holds(GradCheck.Op(TestDevice.Cpu, [Any(c.rows, 1)], (g, p) => g.BroadcastColumn(p[0], c.cols), options));
            var k = Any(c.rows, c.cols).Values;
            Holds(GradCheck.Op(TestDevice.Cpu, [m], (g, p) => g.Mul(p[0], g.Constant(c.rows, c.cols, k)), options));
            // Centring each feature over the batch: x − mean_r(x), one node read twice.
            Holds(GradCheck.Op(TestDevice.Cpu, [m], (g, p) => g.Subtract(p[0], g.BroadcastRow(g.ColumnMeans(p[0]), c.rows)), options));
        }).Check(Runs);
    }

    [Fact]
    public void A_decorrelation_penalty_is_written_with_an_identity_constant()
    {
        // ‖hᵀh/B − I‖², the penalty the issue needed an identity matrix fed every step for.
        var rng = new Random(3);
        OpInput[] h = [OpInput.Uniform(6, 4, rng)];
        Func<GraphBuilder<double>, Node<double>[], Node<double>> penalty = (g, p) =>
            g.Square(g.Subtract(g.Scale(g.MatMul(p[0], p[0], transA: true), 1.0 / 6), g.Identity(4)));
        Holds(GradCheck.Op(TestDevice.Cpu, h, penalty));
        var v = h[0].Values;
        var expected = new double[16];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
            {
                double dot = Enumerable.Range(0, 6).Sum(r => v[r * 4 + i] * v[r * 4 + j]) / 6 - (i == j ? 1 : 0);
                expected[i * 4 + j] = dot * dot;
            }
        var actual = GradCheck.Forward(TestDevice.Cpu, h, penalty);
        for (int i = 0; i < 16; i++) Close(expected[i], actual[i], 1e-14, $"penalty[{i}]");
    }

    [Fact]
    public void The_graph_ops_compute_their_reference_values()
    {
        OpInput[] x = [new OpInput(2, 3, [1, 2, 3, 4, 5, 6])];
        var cpu = TestDevice.Cpu;
        Assert.Equal(ReductionReference.RowSums(x[0].Values, 2, 3, 1), GradCheck.Forward(cpu, x, (g, p) => g.RowSums(p[0])));
        Assert.Equal(ReductionReference.ColumnSums(x[0].Values, 2, 3, 1), GradCheck.Forward(cpu, x, (g, p) => g.ColumnSums(p[0])));
        Assert.Equal([2.0, 5], GradCheck.Forward(cpu, x, (g, p) => g.RowMeans(p[0])));
        Assert.Equal([2.5, 3.5, 4.5], GradCheck.Forward(cpu, x, (g, p) => g.ColumnMeans(p[0])));
        Assert.Equal([5.0, 7, 9, 5, 7, 9], GradCheck.Forward(cpu, x, (g, p) => g.BroadcastRow(g.ColumnSums(p[0]))));
        Assert.Equal([6.0, 6, 15, 15], GradCheck.Forward(cpu, x, (g, p) => g.BroadcastColumn(g.RowSums(p[0]), 2)));
        Assert.Equal([1.5, 2.5, 3.5, 4.5, 5.5, 6.5], GradCheck.Forward(cpu, x, (g, p) => g.Add(p[0], g.Constant(2, 3, 0.5))));
        Assert.Equal([1.0, 0, 0, 1], GradCheck.Forward(cpu, x, (g, p) => g.Identity(2)));
    }

    [Fact]
    public void A_constant_keeps_its_values_over_many_steps_of_one_plan()
    {
        using var store = new ParameterStore<float>(TestDevice.Cpu, 1);
        var w = store.Add("w", 1, 3, Init.Zeros);
        var g = new GraphBuilder<float>(store, batch: 4, training: true);
        var x = g.Input("x", 3);
        var k = g.Constant(4, 3, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        // Enough ops (and gradients) around the constant that the arena reuses buffers beside it.
        var y = g.Add(g.Square(g.Exp(g.Add(x, g.BroadcastRow(g.Param(w))))), k);
        g.Loss("loss", g.Sum(g.Mul(g.Add(y, y), g.Add(y, k))));
        using var plan = g.Compile();
        for (int step = 0; step < 3; step++)
        {
            plan.SetInput(x, Enumerable.Range(0, 12).Select(i => (float)(i * 0.1 + step)).ToArray());
            plan.Forward();
            plan.Backward();
            Assert.Equal(Enumerable.Range(1, 12).Select(i => (float)i), plan.Read(k));
        }
    }

    [Fact]
    public void Mistakes_name_the_op_and_the_shapes()
    {
        using var store = new ParameterStore<double>(TestDevice.Cpu, 1);
        var g = new GraphBuilder<double>(store, batch: 4, training: false);
        var x = g.Input("x", 3);
        var row = Assert.Throws<IlgpuAeException>(() => g.BroadcastRow(x));
        Assert.Contains("broadcast-row", row.Message);
        Assert.Contains("[4x3]", row.Message);
        var column = Assert.Throws<IlgpuAeException>(() => g.BroadcastColumn(x, 2));
        Assert.Contains("broadcast-column", column.Message);
        Assert.Contains("[4x3]", column.Message);
        Assert.Contains("needs 6 values, got 5", Assert.Throws<IlgpuAeException>(() => g.Constant(2, 3, [1, 2, 3, 4, 5])).Message);
        Assert.Contains("finite", Assert.Throws<IlgpuAeException>(() => g.Constant(1, 2, [1, double.NaN])).Message);
        Assert.Contains("[0x3]", Assert.Throws<IlgpuAeException>(() => g.Constant(0, 3, 1.0)).Message);
        Assert.Contains("identity", Assert.Throws<IlgpuAeException>(() => g.Identity(0)).Message);
        var add = Assert.Throws<IlgpuAeException>(() => g.Add(x, g.Constant(3, 4, 1.0)));
        Assert.Contains("[4x3]", add.Message);
        Assert.Contains("[3x4]", add.Message);
    }
}
