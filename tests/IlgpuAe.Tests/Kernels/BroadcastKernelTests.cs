using System.Numerics;
using static IlgpuAe.Tests.Kernels.KernelHarness;

namespace IlgpuAe.Tests.Kernels;

/// <summary>The broadcast kernels (the backward of sums, row-vector adds, a row or column repeated) against their references.</summary>
public sealed class BroadcastKernelTests
{
    public static TheoryData<int, int> Cases() => SizesAndShapes();

    [Theory, MemberData(nameof(Cases))]
    public void Scalar_broadcast_overwrites_or_blends(int n, int shape)
    {
        var old = RandomValues(n, n);
        using var s = Upload<double>([1.75]);
        using var fresh = Poisoned<double>(n);
        using var blended = Upload<double>(old);
        var loop = Shape(shape, n);
        var k = Gpu.Load<Loop, ArrayView<double>, ArrayView<double>, double, double>(BroadcastKernels.Scalar);
        k(loop.Threads, loop, s.View, fresh.View, 0.5, 0);
        k(loop.Threads, loop, s.View, blended.View, 0.5, 1);
        AssertClose<double>(BroadcastReference.Scalar(1.75, new double[n], 0.5, 0), Download(fresh));
        AssertClose<double>(BroadcastReference.Scalar(1.75, old, 0.5, 1), Download(blended));
    }

    [Theory, MemberData(nameof(Cases))]
    public void Row_vector_is_added_to_every_row(int n, int shape)
    {
        int cols = Math.Max(1, n / 7);
        int rows = n / cols;
        var x = RandomValues(3, rows * cols);
        var v = RandomValues(4, cols);
        using var dx = Upload<float>(x);
        using var dv = Upload<float>(v);
        using var y = Poisoned<float>(rows * cols);
        var loop = Shape(shape, rows * cols);
        Gpu.Load<Loop, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(BroadcastKernels.AddRow)(loop.Threads, loop, dx.View, dv.View, y.View, cols);
        AssertClose<float>(BroadcastReference.AddRow(Rounded<float>(x), Rounded<float>(v), cols), Download(y), 2);
    }

    public static TheoryData<int, int, int> MatrixCases()
    {
        var data = new TheoryData<int, int, int>();
        foreach (var (rows, cols) in new[] { (1, 1), (1, 9), (9, 1), (7, 64), (33, 13) })
            for (int s = 0; s < ShapeCount; s++) data.Add(rows, cols, s);
        return data;
    }

    [Theory, MemberData(nameof(MatrixCases))]
    public void A_row_or_a_column_is_repeated_overwriting_or_blending(int rows, int cols, int shape)
    {
        Repeat<float>(rows, cols, shape);
        Repeat<double>(rows, cols, shape);
    }

    static void Repeat<T>(int rows, int cols, int shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = rows * cols;
        var row = Rounded<T>(RandomValues(rows + 5, cols));
        var column = Rounded<T>(RandomValues(cols + 6, rows));
        var old = Rounded<T>(RandomValues(n + 7, n));
        using var dRow = Upload<T>(row);
        using var dColumn = Upload<T>(column);
        var loop = Shape(shape, n);
        T scale = T.CreateTruncating(0.5);
        var rowKernel = Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, int, T, T>(BroadcastKernels.Row);
        var columnKernel = Gpu.Load<Loop, ArrayView<T>, ArrayView<T>, int, T, T>(BroadcastKernels.Column);
        foreach (var beta in new[] { 0.0, 1.0 })
        {
            using var byRow = beta == 0 ? Poisoned<T>(n) : Upload<T>(old);
            using var byColumn = beta == 0 ? Poisoned<T>(n) : Upload<T>(old);
            rowKernel(loop.Threads, loop, dRow.View, byRow.View, cols, scale, T.CreateTruncating(beta));
            columnKernel(loop.Threads, loop, dColumn.View, byColumn.View, cols, scale, T.CreateTruncating(beta));
            AssertClose<T>(BroadcastReference.Row(row, rows, 0.5, beta, old), Download(byRow), what: $"row, beta {beta}");
            AssertClose<T>(BroadcastReference.Column(column, cols, 0.5, beta, old), Download(byColumn), what: $"column, beta {beta}");
        }
    }
}
