using System.Numerics;
using ILGPU;
using IlgpuAe.Kernels;
using static IlgpuAe.Compute.CpuBody;

namespace IlgpuAe.Compute;

/// <summary>What a <see cref="Pool2dLaunch"/> pass computes.</summary>
public enum Pool2dMode
{
    /// <summary>Max over each F×F window (fine to coarse).</summary>
    Max,
    /// <summary>Mean over each F×F window (fine to coarse).</summary>
    Average,
    /// <summary>Nearest-neighbour upsampling (coarse to fine): each pixel copied to an F×F block.</summary>
    NearestUpsample,
}

/// <summary>
/// The pooling family's launcher (<see cref="Pool2dKernels"/>): the float CPU bodies on the CPU accelerator, the generic
/// kernels elsewhere (the same bits). Pooling reads the fine grid and writes the coarse one; upsampling the other way.
/// Backward betas are 0 (overwrite, never read) or 1 (accumulate), as in the graph's backward pass.
/// </summary>
public static class Pool2dLaunch
{
    /// <summary>Throws <see cref="IlgpuAeException"/> when the shape cannot run in <paramref name="mode"/> (an upsampling needs an exact fine grid).</summary>
    public static void Validate(in Pool2dShape s, Pool2dMode mode)
    {
        if (s.Problem() is { } why) throw new IlgpuAeException(why);
        if (mode == Pool2dMode.NearestUpsample && !s.Exact)
            throw new IlgpuAeException($"an upsampling by {s.Factor} gives a multiple of {s.Factor}, not {s.Height}x{s.Width}");
    }

    /// <summary>The op's output: the coarse grid of a pooling, the fine grid of an upsampling.</summary>
    public static void Forward<T>(Device d, Pool2dMode mode, in Pool2dShape s, ArrayView<T> x, ArrayView<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(s, mode, x.Length, y.Length);
        var loop = d.LoopFor(s.Planes);
        bool cpu = Applies<T>(d);
        switch (mode)
        {
            case Pool2dMode.Max when cpu:
                d.Load<Loop, Pool2dShape, ArrayView<float>, ArrayView<float>>(Pool2dKernels.CpuMaxPool)(loop.Threads, loop, s, x.Cast<float>(), y.Cast<float>());
                break;
            case Pool2dMode.Max:
                d.Load<Loop, Pool2dShape, ArrayView<T>, ArrayView<T>>(Pool2dKernels.MaxPool)(loop.Threads, loop, s, x, y);
                break;
            case Pool2dMode.Average when cpu:
                d.Load<Loop, Pool2dShape, ArrayView<float>, ArrayView<float>>(Pool2dKernels.CpuAvgPool)(loop.Threads, loop, s, x.Cast<float>(), y.Cast<float>());
                break;
            case Pool2dMode.Average:
                d.Load<Loop, Pool2dShape, ArrayView<T>, ArrayView<T>>(Pool2dKernels.AvgPool)(loop.Threads, loop, s, x, y);
                break;
            case Pool2dMode.NearestUpsample when cpu:
                d.Load<Loop, Pool2dShape, ArrayView<float>, ArrayView<float>>(Pool2dKernels.CpuUpsample)(loop.Threads, loop, s, x.Cast<float>(), y.Cast<float>());
                break;
            default:
                d.Load<Loop, Pool2dShape, ArrayView<T>, ArrayView<T>>(Pool2dKernels.Upsample)(loop.Threads, loop, s, x, y);
                break;
        }
    }

    /// <summary>dx = beta·dx + ∂(Σ dy·y)/∂x; <paramref name="x"/> (the op's input) is read by max-pooling only.</summary>
    public static void Backward<T>(Device d, Pool2dMode mode, in Pool2dShape s, ArrayView<T> x, ArrayView<T> dy, ArrayView<T> dx, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(s, mode, dx.Length, dy.Length);
        if (mode == Pool2dMode.Max && x.Length != dx.Length)
            throw new ArgumentException($"max-pooling {s}: the input has {x.Length} elements, expected {dx.Length}");
        var loop = d.LoopFor(s.Planes);
        bool cpu = Applies<T>(d);
        switch (mode)
        {
            case Pool2dMode.Max when cpu:
                d.Load<Loop, Pool2dShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>(Pool2dKernels.CpuMaxPoolBackward)(
                    loop.Threads, loop, s, x.Cast<float>(), dy.Cast<float>(), dx.Cast<float>(), F(beta));
                break;
            case Pool2dMode.Max:
                d.Load<Loop, Pool2dShape, ArrayView<T>, ArrayView<T>, ArrayView<T>, T>(Pool2dKernels.MaxPoolBackward)(loop.Threads, loop, s, x, dy, dx, beta);
                break;
            case Pool2dMode.Average when cpu:
                d.Load<Loop, Pool2dShape, ArrayView<float>, ArrayView<float>, float>(Pool2dKernels.CpuAvgPoolBackward)(
                    loop.Threads, loop, s, dy.Cast<float>(), dx.Cast<float>(), F(beta));
                break;
            case Pool2dMode.Average:
                d.Load<Loop, Pool2dShape, ArrayView<T>, ArrayView<T>, T>(Pool2dKernels.AvgPoolBackward)(loop.Threads, loop, s, dy, dx, beta);
                break;
            case Pool2dMode.NearestUpsample when cpu:
                d.Load<Loop, Pool2dShape, ArrayView<float>, ArrayView<float>, float>(Pool2dKernels.CpuUpsampleBackward)(
                    loop.Threads, loop, s, dy.Cast<float>(), dx.Cast<float>(), F(beta));
                break;
            default:
                d.Load<Loop, Pool2dShape, ArrayView<T>, ArrayView<T>, T>(Pool2dKernels.UpsampleBackward)(loop.Threads, loop, s, dy, dx, beta);
                break;
        }
    }

    /// <summary>Elements the op reads (Input) and writes (Output) per image batch.</summary>
    public static (long Input, long Output) Lengths(in Pool2dShape s, Pool2dMode mode) =>
        mode == Pool2dMode.NearestUpsample ? (s.CoarseLength, s.FineLength) : (s.FineLength, s.CoarseLength);

    static void Check(in Pool2dShape s, Pool2dMode mode, long input, long output)
    {
        Validate(s, mode);
        var (i, o) = Lengths(s, mode);
        if (input != i) throw new ArgumentException($"{mode} {s}: the input side has {input} elements, expected {i}");
        if (output != o) throw new ArgumentException($"{mode} {s}: the output side has {output} elements, expected {o}");
    }
}
