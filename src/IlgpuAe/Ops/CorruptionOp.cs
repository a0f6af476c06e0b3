using System.Numerics;
using ILGPU;
using IlgpuAe.Compute;
using IlgpuAe.Graph;
using IlgpuAe.Kernels;

namespace IlgpuAe.Ops;

/// <summary>
/// x~ ~ C(x~|x), drawn afresh each step from the Philox counter (seed, stream(step, salt), element):
/// a seed reproduces a run, and evaluation (step 0) always sees the same corruption.
/// The corruption is a sample, not a function to learn through: x gets no gradient from it
/// (zeros, should anything upstream need one).
/// </summary>
/// <param name="input">The clean x.</param>
/// <param name="corruption">Noise kind and level.</param>
/// <param name="salt">Distinguishes this op's Philox stream from the graph's other random ops.</param>
public sealed class CorruptionOp<T>(Node<T> input, Corruption corruption, ulong salt)
    : KernelOp<T>($"corrupt_{corruption.Name}", input)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The noise kind and level drawn each step.</summary>
    public Corruption Corruption { get; } = corruption;

    /// <summary>Nothing: the corruption passes no gradient.</summary>
    public override IEnumerable<Node<T>> SavedForBackward => [];

    /// <summary>x~ = C(x) from the Philox stream of this step and salt: Gaussian, masking or salt-and-pepper.</summary>
    public override void Forward(Exec<T> x)
    {
        var key = RandomStreams.KeyFor(salt);
        ulong first = x.FirstElement(Output);
        T level = T.CreateTruncating(Corruption.Level);
        var (input, output, step) = (x.Value(Inputs[0]), x.Value(Output), x.StepCell);
        switch (Corruption.Kind)
        {
            case NoiseKind.Gaussian: CorruptionLaunch.GaussianNoise(x.Device, input, output, x.Seed, key, step, first, level); break;
            case NoiseKind.Mask: CorruptionLaunch.MaskingNoise(x.Device, input, output, x.Seed, key, step, first, level); break;
            default: CorruptionLaunch.SaltPepper(x.Device, input, output, x.Seed, key, step, first, level); break;
        }
    }

    /// <summary>Zeros for x, should anything upstream need a gradient: the sample is not differentiated.</summary>
    public override void Backward(Exec<T> x)
    {
        if (x.NeedsGrad(Inputs[0])) NoGradient.Zero(x, this, 0);
    }
}

/// <summary>
/// Philox streams of the random ops: the step in the low 48 bits, the op's salt above, so that two
/// random ops of one graph (corruption, Hutchinson probes) never draw the same numbers.
/// </summary>
public static class RandomStreams
{
    /// <summary>(salt &lt;&lt; 48) ^ step: the Philox stream of one random op at one step.</summary>
    public static ulong For(ulong step, ulong salt) => KeyFor(salt).Of(step);

    /// <summary>The same stream as a key the kernel completes with the step it reads on the device: For(step, salt) = KeyFor(salt).Of(step).</summary>
    public static StreamKey KeyFor(ulong salt) => new(salt << 48, ulong.MaxValue);
}
